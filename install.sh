#!/bin/sh
# Install a prebuilt vendorscan: download the release archive for this machine, check its
# SHA-256 against the release's SHA256SUMS, and put the binary in a folder on your PATH.
# No compiler needed.
#
#   curl -fsSL https://raw.githubusercontent.com/vendorscan/vendorscan/main/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- --version 0.1.0 --to /usr/local/bin
#
# Options (each also read from the environment variable in brackets):
#   --version X.Y.Z   the release to install, or "latest" (VENDORSCAN_VERSION; default latest)
#   --to DIR          where to put the binary (VENDORSCAN_INSTALL_DIR; default ~/.local/bin)
#   --target TRIPLE   the build to fetch, e.g. x86_64-unknown-linux-musl (VENDORSCAN_TARGET;
#                     default: detected from uname)
#   --base-url URL    where releases live (VENDORSCAN_BASE_URL; default
#                     https://github.com/vendorscan/vendorscan/releases): a mirror, or a
#                     local server in tests. Files are read from URL/download/vX.Y.Z/FILE,
#                     and "latest" from URL/latest/download/SHA256SUMS, GitHub's layout.
#
# Exit codes: 0 installed; 1 anything went wrong (nothing is installed then).
set -eu

die() {
    printf 'vendorscan-install: error: %s\n' "$1" >&2
    exit 1
}
say() {
    printf 'vendorscan-install: %s\n' "$1" >&2
}

version="${VENDORSCAN_VERSION:-latest}"
dir="${VENDORSCAN_INSTALL_DIR:-${HOME:-.}/.local/bin}"
target="${VENDORSCAN_TARGET:-}"
base="${VENDORSCAN_BASE_URL:-https://github.com/vendorscan/vendorscan/releases}"

while [ $# -gt 0 ]; do
    case "$1" in
        --version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
        --version=*) version="${1#*=}"; shift ;;
        --to) [ $# -ge 2 ] || die "--to needs a folder"; dir="$2"; shift 2 ;;
        --to=*) dir="${1#*=}"; shift ;;
        --target) [ $# -ge 2 ] || die "--target needs a value"; target="$2"; shift 2 ;;
        --target=*) target="${1#*=}"; shift ;;
        --base-url) [ $# -ge 2 ] || die "--base-url needs a URL"; base="$2"; shift 2 ;;
        --base-url=*) base="${1#*=}"; shift ;;
        -h|--help) sed -n '2,20p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
base="${base%/}"
version="${version#v}"

# Which build fits this machine. Linux gets the static musl build, which runs on any
# distribution (glibc or not).
if [ -z "$target" ]; then
    os="$(uname -s)"
    arch="$(uname -m)"
    case "$arch" in
        x86_64|amd64) arch=x86_64 ;;
        aarch64|arm64) arch=aarch64 ;;
        *) die "no prebuilt vendorscan for the CPU \"$arch\"; build it with: cargo install --locked vendorscan" ;;
    esac
    case "$os" in
        Linux) target="$arch-unknown-linux-musl" ;;
        Darwin) target="$arch-apple-darwin" ;;
        MINGW*|MSYS*|CYGWIN*|Windows_NT) target="$arch-pc-windows-msvc" ;;
        *) die "no prebuilt vendorscan for \"$os\"; build it with: cargo install --locked vendorscan" ;;
    esac
fi
case "$target" in
    *windows*) ext=zip; exe=vendorscan.exe ;;
    *) ext=tar.gz; exe=vendorscan ;;
esac

if command -v curl >/dev/null 2>&1; then
    fetch() { curl --proto '=https,http' --fail --silent --show-error --location --retry 2 --output "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
    fetch() { wget --quiet --output-document="$2" "$1"; }
else
    die "neither curl nor wget is installed; install one of them"
fi

if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
elif command -v openssl >/dev/null 2>&1; then
    sha256() { openssl dgst -sha256 "$1" | sed 's/^.*= *//'; }
else
    die "no SHA-256 tool (sha256sum, shasum or openssl) to verify the download with"
fi

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t vendorscan)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# "latest": the newest release's SHA256SUMS names its archives, and so its version.
if [ "$version" = latest ]; then
    fetch "$base/latest/download/SHA256SUMS" "$tmp/SHA256SUMS" ||
        die "cannot download $base/latest/download/SHA256SUMS (offline, or no release yet?)"
    file="$(sed -n "s/^[0-9a-fA-F]\{64\}[ *]*\(vendorscan-[^ ]*-$target\.$ext\)\$/\1/p" "$tmp/SHA256SUMS" | head -n 1)"
    [ -n "$file" ] || die "the latest release has no build for $target"
    version="${file#vendorscan-}"
    version="${version%-"$target"."$ext"}"
    say "latest release: $version"
else
    fetch "$base/download/v$version/SHA256SUMS" "$tmp/SHA256SUMS" ||
        die "cannot download $base/download/v$version/SHA256SUMS (is $version a released version?)"
fi
file="vendorscan-$version-$target.$ext"

expected="$(sed -n "s/^\([0-9a-fA-F]\{64\}\)[ *]*$file\$/\1/p" "$tmp/SHA256SUMS" | head -n 1)"
[ -n "$expected" ] || die "SHA256SUMS of $version lists no $file (no build for $target?)"

say "downloading $file"
fetch "$base/download/v$version/$file" "$tmp/$file" || die "cannot download $base/download/v$version/$file"

actual="$(sha256 "$tmp/$file")"
expected="$(printf '%s' "$expected" | tr 'A-F' 'a-f')"
if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $file: SHA256SUMS says $expected, the download is $actual. The file is damaged or not the one released; nothing was installed."
fi
say "SHA-256 verified ($actual)"

case "$ext" in
    tar.gz) tar -xzf "$tmp/$file" -C "$tmp" ;;
    zip) command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack $file"; unzip -q "$tmp/$file" -d "$tmp" ;;
esac
bin="$tmp/vendorscan-$version-$target/$exe"
[ -f "$bin" ] || die "$file holds no vendorscan-$version-$target/$exe"

mkdir -p "$dir" || die "cannot create $dir"
# Copy beside the destination, then rename: a running vendorscan is never half-overwritten.
cp "$bin" "$dir/.$exe.new" || die "cannot write to $dir (try --to DIR, or sudo)"
chmod 755 "$dir/.$exe.new"
mv -f "$dir/.$exe.new" "$dir/$exe"
say "installed vendorscan $version to $dir/$exe"
case ":${PATH:-}:" in
    *":$dir:"*) ;;
    *) say "$dir is not on your PATH; add it, e.g. export PATH=\"$dir:\$PATH\"" ;;
esac
