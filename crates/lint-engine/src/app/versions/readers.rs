//! Hand-written readers for lockfiles and manifests. Each returns the packages it names with the
//! versions it pins or allows; whatever it does not understand is left out, never guessed.
//! None of them fails: a broken file gives fewer entries.

use findings::Span;

use super::{
    Pin,
    req::{Req, Version, npm_range, pep440},
};

/// `name -> pin` pairs in file order.
pub type Entries = Vec<(String, Pin)>;

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = offset;
        offset += l.len();
        (start, l.trim_end_matches(['\n', '\r']))
    })
}

/// Byte span of `needle` inside `line` (which starts at `start`), else the whole line.
fn span_in(start: usize, line: &str, needle: &str) -> Span {
    match line.find(needle).filter(|_| !needle.is_empty()) {
        Some(i) => Span::new(start + i, start + i + needle.len()),
        None => Span::new(start, start + line.len()),
    }
}

fn exact(version: &str, span: Span) -> Option<Pin> {
    Some(Pin { req: Req::exact(Version::parse(version)?), written: version.to_string(), span })
}

/// Gemfile.lock: the `specs:` of the `GEM`, `GIT` and `PATH` sections, four spaces in:
/// `    sidekiq (7.2.1)` or, for a platform gem, `    nokogiri (1.15.4-x86_64-linux)`. Six
/// spaces in are a gem's own dependencies (constraints, not versions); `CHECKSUMS` (Bundler
/// 2.5+) repeats the gems with hashes and is not read.
pub fn gemfile_lock(text: &str) -> Entries {
    let mut out = Vec::new();
    let mut section = "";
    let mut in_specs = false;
    for (start, line) in lines(text) {
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            in_specs = false;
            continue;
        }
        if line.trim() == "specs:" {
            in_specs = matches!(section, "GEM" | "GIT" | "PATH");
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        if !in_specs || indent != 4 {
            continue;
        }
        let body = line.trim();
        let Some((name, rest)) = body.split_once(" (") else { continue };
        let Some(version) = rest.strip_suffix(')') else { continue };
        // A platform follows a dash; Ruby pre-releases use dots (`7.0.0.beta1`).
        let version = version.split('-').next().unwrap_or(version);
        if let Some(pin) = exact(version, span_in(start, line, version)) {
            out.push((name.to_ascii_lowercase(), pin));
        }
    }
    out
}

/// package-lock.json / npm-shrinkwrap.json. Lockfile v2 and v3: `packages["node_modules/x"]`
/// (the copy an application's own `require` finds); a package only installed nested
/// (`node_modules/a/node_modules/x`) gets the range of its nested versions. Lockfile v1:
/// `dependencies.x.version`.
pub fn package_lock(text: &str) -> Entries {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return Vec::new() };
    let mut top: Vec<(String, String)> = Vec::new();
    let mut nested: Vec<(String, String)> = Vec::new();
    if let Some(packages) = json.get("packages").and_then(|p| p.as_object()) {
        for (key, entry) in packages {
            let Some((prefix, alias)) = key.rsplit_once("node_modules/") else { continue };
            let Some(version) = entry.get("version").and_then(|v| v.as_str()) else { continue };
            // An alias (`"q": "npm:bullmq@5"`) installs bullmq under `node_modules/q`.
            let name = entry.get("name").and_then(|n| n.as_str()).unwrap_or(alias);
            let list = if prefix.is_empty() { &mut top } else { &mut nested };
            list.push((name.to_string(), version.to_string()));
        }
    } else if let Some(deps) = json.get("dependencies").and_then(|d| d.as_object()) {
        for (name, entry) in deps {
            if let Some(version) = entry.get("version").and_then(|v| v.as_str()) {
                top.push((name.clone(), version.to_string()));
            }
        }
    }
    let mut out: Entries = Vec::new();
    for (name, version) in &top {
        let needle = format!("\"node_modules/{name}\"");
        let span = find_span(text, &needle).or_else(|| find_span(text, &format!("\"{name}\"")));
        if let Some(pin) = exact(version, span.unwrap_or(Span::new(0, 0))) {
            out.push((name.to_ascii_lowercase(), pin));
        }
    }
    for (name, _) in &nested {
        let lower = name.to_ascii_lowercase();
        if out.iter().any(|(n, _)| *n == lower) {
            continue;
        }
        let mut req: Option<Req> = None;
        let mut written = Vec::new();
        for (_, v) in nested.iter().filter(|(n, _)| n == name) {
            let Some(parsed) = Version::parse(v) else { continue };
            written.push(v.as_str());
            let one = Req::exact(parsed);
            req = Some(match req {
                Some(r) => r.hull_with(one),
                None => one,
            });
        }
        if let Some(req) = req {
            let span = find_span(text, &format!("/node_modules/{name}\"")).unwrap_or(Span::new(0, 0));
            out.push((lower, Pin { req, written: written.join(", "), span }));
        }
    }
    out
}

fn find_span(text: &str, needle: &str) -> Option<Span> {
    text.find(needle).map(|i| Span::new(i, i + needle.len()))
}

/// package.json: `dependencies`, `devDependencies`, `optionalDependencies` as ranges.
pub fn package_json(text: &str) -> Entries {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return Vec::new() };
    let mut out = Vec::new();
    for field in ["dependencies", "devDependencies", "optionalDependencies"] {
        let Some(deps) = json.get(field).and_then(|d| d.as_object()) else { continue };
        for (name, range) in deps {
            let Some(range) = range.as_str() else { continue };
            // `"q": "npm:bullmq@^5.0.0"` is bullmq.
            let (name, range) = match range.strip_prefix("npm:").and_then(|r| r.rsplit_once('@')) {
                Some((real, r)) if !real.is_empty() => (real, r),
                _ => (name.as_str(), range),
            };
            let Some(req) = npm_range(range) else { continue };
            let span = find_span(text, &format!("\"{range}\"")).unwrap_or(Span::new(0, 0));
            out.push((name.to_ascii_lowercase(), Pin { req, written: range.to_string(), span }));
        }
    }
    out
}

/// PEP 503 name normalisation: `Flask_Session` and `flask.session` are `flask-session`.
pub fn normalize_python(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// requirements*.txt: `celery[redis]==5.3.1 ; python_version >= "3.8"  # pinned`. Options
/// (`-r`, `-e`, `--hash`), URLs and direct references (`name @ url`) are skipped.
pub fn requirements(text: &str) -> Entries {
    let mut out = Vec::new();
    for (start, line) in lines(text) {
        let body = match line.find(" #").or_else(|| line.find("\t#")) {
            Some(i) => &line[..i],
            None => line,
        };
        let body = body.split(';').next().unwrap_or(body).trim().trim_end_matches('\\').trim();
        if body.is_empty() || body.starts_with(['#', '-']) || body.contains("://") {
            continue;
        }
        let name_end =
            body.find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c))).unwrap_or(body.len());
        let (name, mut rest) = body.split_at(name_end);
        if name.is_empty() {
            continue;
        }
        rest = rest.trim_start();
        if rest.starts_with('[') {
            rest = rest.find(']').map_or("", |i| &rest[i + 1..]);
        }
        let spec = rest.trim().trim_start_matches('(').trim_end_matches(')').trim();
        if spec.is_empty() || spec.starts_with('@') {
            continue;
        }
        let Some(req) = pep440(spec) else { continue };
        out.push((
            normalize_python(name),
            Pin { req, written: spec.to_string(), span: span_in(start, line, spec) },
        ));
    }
    out
}

/// poetry.lock and uv.lock: each `[[package]]` table's `name = "..."` and `version = "..."`.
/// A minimal line reader: both files write these as plain one-line strings.
pub fn toml_packages(text: &str) -> Entries {
    let mut out = Vec::new();
    let mut in_package = false;
    let mut name: Option<String> = None;
    let mut version: Option<(String, Span)> = None;
    let mut flush = |name: &mut Option<String>, version: &mut Option<(String, Span)>| {
        if let (Some(n), Some((v, span))) = (name.take(), version.take())
            && let Some(pin) = exact(&v, span)
        {
            out.push((normalize_python(&n), pin));
        }
    };
    for (start, line) in lines(text) {
        let t = line.trim();
        if t.starts_with('[') {
            flush(&mut name, &mut version);
            in_package = t == "[[package]]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = t.split_once('=') else { continue };
        let value = value.trim();
        let Some(value) = value.strip_prefix('"').and_then(|v| v.split_once('"')).map(|(v, _)| v) else {
            continue;
        };
        match key.trim() {
            "name" => name = Some(value.to_string()),
            "version" => version = Some((value.to_string(), span_in(start, line, value))),
            _ => {}
        }
    }
    flush(&mut name, &mut version);
    out
}

/// Replaces XML comments with spaces (keeping offsets) so commented-out dependencies are not read.
fn blank_xml_comments(text: &str) -> String {
    let mut out = text.to_string();
    let mut from = 0;
    while let Some(i) = out.get(from..).and_then(|s| s.find("<!--")).map(|i| from + i) {
        let end = out.get(i..).and_then(|s| s.find("-->")).map_or(out.len(), |j| i + j + 3);
        let blank: String = out[i..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
        // Multi-byte characters turn into one space each: pad to keep byte offsets.
        let pad = (end - i).saturating_sub(blank.len());
        out.replace_range(i..end, &(blank + &" ".repeat(pad)));
        from = end;
    }
    out
}

/// `(start offset of the inner text, inner text)` of every `<tag>...</tag>` in `text`.
fn xml_blocks<'a>(text: &'a str, tag: &str) -> Vec<(usize, &'a str)> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|s| s.find(&open)).map(|i| from + i) {
        let inner_start = i + open.len();
        let Some(len) = text.get(inner_start..).and_then(|s| s.find(&close)) else { break };
        if let Some(inner) = text.get(inner_start..inner_start + len) {
            out.push((inner_start, inner));
        }
        from = inner_start + len + close.len();
    }
    out
}

/// pom.xml: the `<parent>` and each `<dependency>`/`<plugin>` with an `<artifactId>` and a
/// literal or `${property}` `<version>`. The Spring Boot parent is also recorded as
/// `spring-boot`, the name the Gradle plugin gets too.
pub fn pom(text: &str) -> Entries {
    let clean = blank_xml_comments(text);
    let properties: Vec<(String, String)> = xml_blocks(&clean, "properties")
        .first()
        .map(|(_, inner)| {
            let mut props = Vec::new();
            let mut rest = *inner;
            while let Some(open) = rest.find('<') {
                let after = &rest[open + 1..];
                let Some(gt) = after.find('>') else { break };
                let tag = &after[..gt];
                let body = &after[gt + 1..];
                let close = format!("</{tag}>");
                let Some(end) = body.find(&close) else {
                    rest = body;
                    continue;
                };
                props.push((tag.to_string(), body[..end].trim().to_string()));
                rest = &body[end + close.len()..];
            }
            props
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for tag in ["parent", "dependency", "plugin"] {
        for (start, inner) in xml_blocks(&clean, tag) {
            let artifact = xml_blocks(inner, "artifactId").first().map(|(_, a)| a.trim().to_string());
            let Some((vstart, raw)) = xml_blocks(inner, "version").first().copied() else { continue };
            let Some(artifact) = artifact else { continue };
            let raw = raw.trim();
            let version = match raw.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                Some(prop) => match properties.iter().find(|(k, _)| k == prop) {
                    Some((_, v)) => v.as_str(),
                    None => continue,
                },
                None => raw,
            };
            let offset = start + vstart + inner[vstart..].find(raw).unwrap_or(0);
            let Some(pin) = exact(version, Span::new(offset, offset + raw.len())) else { continue };
            if tag == "parent" && artifact == "spring-boot-starter-parent" {
                out.push(("spring-boot".to_string(), pin.clone()));
            }
            out.push((artifact.to_ascii_lowercase(), pin));
        }
    }
    out
}

/// The quoted strings on a line, with their offsets in the line.
fn quoted(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut base = 0;
    while let Some(i) = rest.find(['"', '\'']) {
        let q = rest[i..].chars().next().unwrap_or('"');
        let after = &rest[i + 1..];
        let Some(end) = after.find(q) else { break };
        out.push((base + i + 1, &after[..end]));
        let consumed = i + 1 + end + 1;
        base += consumed;
        rest = &rest[consumed..];
    }
    out
}

/// build.gradle / build.gradle.kts: `id 'org.springframework.boot' version '3.2.0'` (recorded
/// as `spring-boot` and under the plugin id) and `"group:artifact:version"` coordinates.
pub fn gradle(text: &str) -> Entries {
    let mut out = Vec::new();
    for (start, line) in lines(text) {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        let strings = quoted(line);
        if t.starts_with("id") && line.contains("version") {
            if let [(_, id), .., (at, version)] = strings.as_slice()
                && let Some(pin) = exact(version, Span::new(start + at, start + at + version.len()))
            {
                if *id == "org.springframework.boot" {
                    out.push(("spring-boot".to_string(), pin.clone()));
                }
                out.push((id.to_ascii_lowercase(), pin));
            }
            continue;
        }
        for (at, s) in strings {
            let parts: Vec<&str> = s.split(':').collect();
            if let [_, artifact, version, ..] = parts.as_slice()
                && !version.contains('$')
                && let Some(pin) = exact(version, {
                    let v = start + at + s.find(version).unwrap_or(0);
                    Span::new(v, v + version.len())
                })
            {
                out.push((artifact.to_ascii_lowercase(), pin));
            }
        }
    }
    out
}
