#!/usr/bin/env bash
# Where a crawl's CPU goes, per store profile: `perf record` of one `vendorscan scan` of a
# generated store served by nginx on 127.0.0.1, then the hottest functions (self time).
#
#   bash bench/profile.sh                      # every profile, 1000 pages
#   bash bench/profile.sh --profile tag-heavy  # one (repeat --profile for several)
#
# Options: --profile P, --pages N (default 1000), --port P (default 8089), --top N (lines of
# the report, default 25), --no-build. Uses the stores bench/run.sh generates (and generates
# them the same way when missing). Needs perf (Debian: linux-perf), nginx, python3.
# PERF_FREQ=N in the environment sets the sampling rate (default 1999 Hz; 7999 gives finer
# figures from one run).
# The release profile keeps line tables (`debug = "line-tables-only"`), so the call graph is
# taken with `--call-graph dwarf`. perf.data files stay in ${TMPDIR:-/tmp}/vendorscan-perf-PROFILE.data.
set -euo pipefail

PAGES=1000
PORT=8089
TOP=25
BUILD=1
PROFILES=()
ALL_PROFILES=(theme tag-heavy big-scripts small-pages huge-pages many-vendors)
die() { echo "profile.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) PROFILES+=("${2:?--profile needs a name}"); shift 2 ;;
    --pages) PAGES="${2:?--pages needs a number}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --top) TOP="${2:?--top needs a number}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ ${#PROFILES[@]} -gt 0 ] || PROFILES=("${ALL_PROFILES[@]}")
PERF="$(command -v perf || echo /usr/bin/perf)"
[ -x "$PERF" ] || die "perf not found (apt-get install linux-perf)"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="${TMPDIR:-/tmp}"
ORIGIN="http://127.0.0.1:$PORT"
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/vendorscan"
[ "$BUILD" = 0 ] || (cd "$REPO" && cargo build --release --quiet)
[ -x "$BIN" ] || die "$BIN not found (run cargo build --release)"

WORK="$(mktemp -d "$TMP/vendorscan-profile.XXXXXX")"
# shellcheck source=bench/nginx.sh
. "$REPO/bench/nginx.sh"
trap 'stop_nginx; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

for PROFILE in "${PROFILES[@]}"; do
  STORE="$TMP/vendorscan-bench-store-$PROFILE-$PAGES-$PORT"
  ensure_store "$PROFILE" "$PAGES" "$ORIGIN" "$STORE"
  mkdir -p "$WORK/$PROFILE"
  start_nginx "$STORE" "$PORT" "$WORK/$PROFILE" off || die "cannot serve the store"
  DATA="$TMP/vendorscan-perf-$PROFILE.data"
  echo "== $PROFILE: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PERF" record -q -F ${PERF_FREQ:-1999} --call-graph dwarf,16384 -o "$DATA" -- \
    "$BIN" scan "$ORIGIN/" --max-pages "$((PAGES + 50))" -f json -o "$WORK/report.json" --quiet 2>/dev/null
  stop_nginx
  "$PERF" report -i "$DATA" --no-children --sort symbol --stdio --percent-limit 0.7 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -n "$TOP" || true  # head closes the pipe early: not a failure
done
