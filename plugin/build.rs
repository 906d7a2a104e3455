//! Puts the git revision this binary is built from into `REDIS_AUDIT_GIT_REV` for `--version`
//! (`redis-audit 0.1.0 (git 1a2b3c4)`). Never fails the build: a packaged crate (crates.io,
//! `cargo package`) names its revision in `.cargo_vcs_info.json`; otherwise git is asked, and
//! without git or outside a checkout the revision is `unknown`.

use std::{path::Path, process::Command};

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// `"sha1": "..."` of the `.cargo_vcs_info.json` that `cargo package` writes (a crate unpacked
/// inside some other checkout must not take that checkout's revision).
fn packaged_rev() -> Option<String> {
    let text = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    let after_key = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let value = after_key.split('"').nth(1)?;
    (value.len() >= 7 && value.chars().all(|c| c.is_ascii_hexdigit())).then(|| value[..7].to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if let Some(rev) = packaged_rev() {
        println!("cargo:rustc-env=REDIS_AUDIT_GIT_REV={rev}");
        return;
    }
    let rev = git(&["rev-parse", "--short=7", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=REDIS_AUDIT_GIT_REV={rev}");
    // Rerun when HEAD moves: HEAD itself (a checkout), the branch it points to (a commit), and
    // packed-refs (where the branch lives after `git gc`). Relative to the package, so that a
    // target directory shared by two checkouts looks at each one's own; and only files that
    // exist, since cargo reruns a build script on every build while a listed file is missing.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--path-format=relative", "--git-path", &name])
            && Path::new(&path).is_file()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
