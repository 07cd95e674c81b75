#!/usr/bin/env bash
# Browser-mode benchmark: `vendorscan scan --browser` over a generated N-page store served by
# nginx on 127.0.0.1, reporting seconds per page and the peak memory of the whole process
# tree (vendorscan plus every Chromium process), at several browser concurrencies.
#
#   bash bench/browser.sh                              # 24 pages, 3 runs, concurrency 1 and 4
#   bash bench/browser.sh --pages 8 --runs 1 --tabs 4  # a quick check
#   bash bench/browser.sh --demo --typing "on off"     # the demo store, typing the test identity or not
#   bash bench/browser.sh --demo --settle-quiet "500 0" # the adaptive settle against the fixed window
#
# Options:
#   --pages N     pages in the generated store (default 24)
#   --runs R      timed runs per setting; the median is reported (default 3)
#   --tabs "A B"  --browser-concurrency values to measure (default "1 4")
#   --settle MS   passed as --settle (default 3000, vendorscan's own default)
#   --settle-quiet "A B"  --settle-quiet values to measure: the adaptive settle's quiet spell,
#                 0 for a fixed window (default "500", vendorscan's own default)
#   --reports DIR keep each setting's last JSON report there (to compare what they found)
#   --port P      loopback port for nginx (default 8091)
#   --typing "A B"  "on" (type the test identity into form fields, the default) and/or "off"
#                 (--no-type): what typing and reading payloads cost (default "on")
#   --demo        visit the bundled demo store (examples/demo-store, 11 pages, forms on
#                 checkout, login and contact) instead of a generated one; no nginx needed
#   --no-build    use the existing target/release/vendorscan
#
# Needs python3, nginx and Chromium (apt-get install -y nginx chromium). Nothing leaves the
# machine: the store is on 127.0.0.1, and --offline makes every other host name fail to
# resolve inside the browser (the tags the pages carry are recorded as attempts).
set -euo pipefail

PAGES=24
RUNS=3
TABS="1 4"
SETTLE=3000
PORT=8091
BUILD=1
TYPING=on
QUIET=500
REPORTS=""
DEMO=0
die() { echo "browser.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) PAGES="${2:?}"; shift 2 ;;
    --runs) RUNS="${2:?}"; shift 2 ;;
    --tabs) TABS="${2:?}"; shift 2 ;;
    --settle) SETTLE="${2:?}"; shift 2 ;;
    --settle-quiet) QUIET="${2:?}"; shift 2 ;;
    --reports) REPORTS="${2:?}"; shift 2 ;;
    --port) PORT="${2:?}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --typing) TYPING="${2:?}"; shift 2 ;;
    --demo) DEMO=1; PAGES=11; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="${TMPDIR:-/tmp}"
ORIGIN="http://127.0.0.1:$PORT"
STORE="$TMP/vendorscan-browser-store-$PAGES-$PORT"
command -v chromium >/dev/null || [ -n "${CHROME:-}" ] || die "Chromium not found (apt-get install -y chromium)"

WORK="$(mktemp -d "$TMP/vendorscan-browser-bench.XXXXXX")"
NGINX_PID=""
cleanup() { [ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$DEMO" = 1 ] || [ -d "$STORE" ] || python3 "$REPO/bench/gen-store.py" --pages "$PAGES" --out "$STORE" --origin "$ORIGIN"
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/vendorscan"
[ "$BUILD" = 0 ] || (cd "$REPO" && cargo build --release --features jemalloc --quiet)
[ -x "$BIN" ] || die "$BIN not found"

# shellcheck source=bench/nginx.sh
. "$REPO/bench/nginx.sh"
if [ "$DEMO" = 1 ]; then
  TARGET=("$REPO/examples/demo-store" --site https://demo-store.example)
  ORIGIN="examples/demo-store"
else
  start_nginx "$STORE" "$PORT" "$WORK" off || die "cannot serve the store"
  TARGET=("$ORIGIN/")
fi

echo "== conditions: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $("$BIN" --version | head -1); $(chromium --version 2>/dev/null | head -1)"
echo "   store: $PAGES pages on $ORIGIN, settle $SETTLE ms"
[ -z "$REPORTS" ] || mkdir -p "$REPORTS"
for quiet in $QUIET; do
for typing in $TYPING; do
for tabs in $TABS; do
  : > "$WORK/runs.tsv"
  ARGS=(scan "${TARGET[@]}" --max-pages "$PAGES" --browser --offline --settle "$SETTLE" --settle-quiet "$quiet"
        --browser-concurrency "$tabs" -f json --quiet -o "$WORK/report.json")
  [ "$typing" = on ] || ARGS+=(--no-type)
  for i in $(seq "$RUNS"); do
    python3 "$REPO/bench/treemem.py" "$WORK/runs.tsv" -- "$BIN" "${ARGS[@]}" || die "vendorscan failed (see above)"
    read -r visited failed runtime <<< "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); b=r["browser"]; print(b["pages_visited"], b["pages_failed"], sum(1 for x in r["resources"] if x["source"]=="runtime"))' "$WORK/report.json")"
    IFS=$'\t' read -r _ wall mb procs < <(tail -1 "$WORK/runs.tsv")
    printf '   settle-quiet %s, typing %s, tabs %d, run %d/%d: %d pages visited (%d failed) in %.2f s = %.2f s per page; peak memory %.0f MB over %d processes; %d runtime-only resources; load average %s after\n' \
      "$quiet" "$typing" "$tabs" "$i" "$RUNS" "$visited" "$failed" "$wall" "$(awk -v w="$wall" -v p="$visited" 'BEGIN {print w/p}')" "$mb" "$procs" "$runtime" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  [ -z "$REPORTS" ] || cp "$WORK/report.json" "$REPORTS/quiet-$quiet-typing-$typing-tabs-$tabs.json"
  python3 - "$WORK/runs.tsv" "$PAGES" "$tabs" "$typing" "$quiet" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
pages, tabs, typing, quiet = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
wall = statistics.median(float(r[1]) for r in rows)
mb = statistics.median(float(r[2]) for r in rows)
runs = ", ".join(f"{float(r[1]):.2f}" for r in rows)
print(f"== settle-quiet {quiet}, typing {typing}, tabs {tabs}, median of {len(rows)} ({runs} s): {wall:.2f} s for {pages} pages = {wall / pages:.2f} s per page, peak memory {mb:.0f} MB (vendorscan + Chromium)")
PY
done
done
done
