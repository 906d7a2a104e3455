//! Bytes of an input file to the text the parsers read.
//!
//! Config in real repositories is not always clean UTF-8: a redis.conf or settings file with
//! a Latin-1 comment, a values file saved as UTF-16 by a Windows editor, a UTF-8 BOM. None of
//! that should hide a finding, and none of it may move one: an invalid byte becomes one `?`
//! (one byte for one byte, so every span and line number stays exact), UTF-16 with a BOM is
//! converted, a UTF-8 BOM is dropped. Only binary files (a NUL byte without a UTF-16 BOM, or
//! mostly invalid bytes) are skipped.

/// What became of a file's bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// The text, and a note when it was converted or repaired.
    Text(String, Option<String>),
    /// Not text: the reason.
    Skipped(String),
}

/// More than this share of invalid bytes is a binary file, not text in another encoding.
const MAX_INVALID_SHARE: f64 = 0.3;

pub fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes, "UTF-16LE");
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes, "UTF-16BE");
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Decoded::Skipped("binary file".into());
    }
    let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(s) => Decoded::Text(s, None),
        Err(e) => repair(e.into_bytes()),
    }
}

/// Each byte that is not part of a valid UTF-8 sequence becomes `?`.
fn repair(bytes: Vec<u8>) -> Decoded {
    let mut out = String::with_capacity(bytes.len());
    let mut invalid = 0usize;
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        invalid += chunk.invalid().len();
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    if invalid as f64 > MAX_INVALID_SHARE * bytes.len() as f64 {
        return Decoded::Skipped("not text (mostly bytes that are not UTF-8)".into());
    }
    let plural = if invalid == 1 { "byte is" } else { "bytes are" };
    Decoded::Text(
        out,
        Some(format!(
            "{invalid} {plural} not UTF-8 (a legacy or mixed encoding); read as UTF-8 with each shown as `?`"
        )),
    )
}

fn utf16(rest: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Decoded {
    let units = rest.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut bad = usize::from(rest.len() % 2 == 1);
    let text: String = char::decode_utf16(units)
        .map(|r| {
            r.unwrap_or_else(|_| {
                bad += 1;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    let repaired = if bad > 0 { format!(", {bad} invalid code units replaced") } else { String::new() };
    Decoded::Text(text, Some(format!("read as {name} (converted to UTF-8{repaired})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_and_its_bom_dropped() {
        assert_eq!(decode(b"maxmemory 1mb\n".to_vec()), Decoded::Text("maxmemory 1mb\n".into(), None));
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1\n".to_vec()), Decoded::Text("a: 1\n".into(), None));
    }

    #[test]
    fn latin1_bytes_become_one_question_mark_each() {
        let Decoded::Text(text, Some(note)) = decode(b"# caf\xe9\nmaxmemory 0\n".to_vec()) else {
            panic!("not repaired")
        };
        assert_eq!(text, "# caf?\nmaxmemory 0\n");
        assert_eq!(text.len(), 19, "one byte for one byte: spans stay exact");
        assert!(note.starts_with("1 byte is not UTF-8"), "{note}");
    }

    #[test]
    fn utf16_with_a_bom_is_converted() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("a: é\n".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            decode(le),
            Decoded::Text("a: é\n".into(), Some("read as UTF-16LE (converted to UTF-8)".into()))
        );
        let mut be = vec![0xFE, 0xFF];
        be.extend("b: 1".encode_utf16().flat_map(u16::to_be_bytes));
        be.push(0);
        let Decoded::Text(text, Some(note)) = decode(be) else { panic!("not converted") };
        assert_eq!(text, "b: 1");
        assert!(note.contains("1 invalid code units replaced"), "{note}");
    }

    #[test]
    fn binary_is_skipped() {
        assert!(matches!(decode(b"\x7fELF\x02\x01\x00\x00".to_vec()), Decoded::Skipped(_)));
        assert!(matches!(decode(vec![0xC0; 100]), Decoded::Skipped(_)));
    }
}
