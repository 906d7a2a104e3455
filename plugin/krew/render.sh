#!/usr/bin/env bash
# Fills the krew manifest for a release: its version, the archive URIs and their sha256 sums.
#
#   plugin/krew/render.sh VERSION ARCHIVE_DIR [MANIFEST] > redis-audit.yaml
#
# VERSION is the release (0.2.0 or v0.2.0). ARCHIVE_DIR holds the release archives under the
# names the manifest's URIs end with (kubectl-redis_audit-v0.2.0-x86_64-unknown-linux-musl.tar.gz,
# ...). MANIFEST (default: redis-audit.yaml beside this script) is the template: its
# `version:` and that version in each `uri:` become vVERSION, and the `sha256:` after each
# `uri:` the sum of that archive. Everything else is copied as it is. Exits 2, writing nothing, when an archive is
# missing. Tested by plugin/tests/packaging.rs.
set -euo pipefail

usage() {
  echo "usage: $0 VERSION ARCHIVE_DIR [MANIFEST]" >&2
  exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
version="${1#v}"
dir="$2"
manifest="${3:-$(dirname "$0")/redis-audit.yaml}"
semver='[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?'
if ! [[ "$version" =~ ^$semver$ ]]; then
  echo "$0: '$1' is not a release version (e.g. 0.2.0)" >&2
  exit 2
fi
[ -d "$dir" ] || { echo "$0: $dir is not a directory" >&2; exit 2; }
if command -v sha256sum >/dev/null; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
else
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
fi

# The template's version, as its URIs spell it (a pattern would take `-x86` for a pre-release).
old="$(sed -nE 's/^[[:space:]]*version:[[:space:]]*(v[^[:space:]]+)[[:space:]]*$/\1/p' "$manifest" | head -n 1)"
[ -n "$old" ] || { echo "$0: $manifest has no version: vX.Y.Z" >&2; exit 2; }

out=""
sum=""
while IFS= read -r line || [ -n "$line" ]; do
  if [[ "$line" =~ ^([[:space:]]*)version:[[:space:]]*v ]]; then
    line="${BASH_REMATCH[1]}version: v$version"
  elif [[ "$line" =~ ^([[:space:]]*)uri:[[:space:]]*([^[:space:]]+)[[:space:]]*$ ]]; then
    indent="${BASH_REMATCH[1]}"
    uri="${BASH_REMATCH[2]//"$old"/v$version}"
    archive="$dir/${uri##*/}"
    if [ ! -f "$archive" ]; then
      echo "$0: $archive not found (named by the manifest's uri $uri)" >&2
      exit 2
    fi
    sum="$(sha256 "$archive")"
    line="${indent}uri: $uri"
  elif [[ "$line" =~ ^([[:space:]]*)sha256: ]]; then
    if [ -z "$sum" ]; then
      echo "$0: $manifest: a sha256 with no uri before it" >&2
      exit 2
    fi
    line="${BASH_REMATCH[1]}sha256: \"$sum\""
    sum=""
  fi
  out+="$line"$'\n'
done <"$manifest"
printf '%s' "$out"
