#!/usr/bin/env bash
# Refresh the pinned third-party-web seed (MIT, https://github.com/patrickhulce/third-party-web).
# Usage: tools/update-seed.sh 0.30.0   (then: cargo run -- vendors build, and review the diff)
# The seed is committed so `vendors build` and its byte-for-byte test never touch the network.
set -euo pipefail
version=${1:?usage: tools/update-seed.sh VERSION}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "third-party-web@$version" >/dev/null && tar xzf third-party-web-*.tgz)
dest="$root/vendors/seed/third-party-web"
cp "$tmp/package/dist/entities-nostats.json" "$dest/entities-nostats.json"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "$version" > "$dest/VERSION"
echo "seed updated to third-party-web $version in $dest"
