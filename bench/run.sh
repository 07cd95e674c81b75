#!/usr/bin/env bash
# Crawl benchmark: time `vendorscan scan` over a generated N-page store served by nginx on
# 127.0.0.1 (loopback only), and report pages scanned, wall time, pages/s and peak RSS.
#
#   bash bench/run.sh                      # 1000 pages, 5 runs, median reported
#   bash bench/run.sh --pages 50 --runs 1  # a quick check
#
# Options:
#   --pages N        pages in the generated store (default 1000)
#   --runs R         timed runs; the median is reported (default 5)
#   --concurrency C  passed as --concurrency C --per-host-concurrency C (default: vendorscan's own)
#   --port P         loopback port for nginx (default 8089)
#   --store DIR      where the store is generated (default ${TMPDIR:-/tmp}/vendorscan-bench-store-N-P)
#   --gzip           let nginx gzip HTML (level 1) as most stores do; off by default
#   --no-build       use the existing target/release/vendorscan instead of `cargo build --release`
#   --no-spider      skip the spider comparison even when `spider` is on PATH
#
# Needs python3, nginx and GNU time (/usr/bin/time); installs nothing. On Debian/Ubuntu:
#   apt-get install -y nginx time
# Nothing leaves the machine: nginx listens on 127.0.0.1 only, and vendorscan never fetches
# third-party URLs in a static scan.
set -euo pipefail

PAGES=1000
RUNS=5
CONCURRENCY=""
PORT=8089
STORE=""
GZIP=off
BUILD=1
SPIDER=1

die() { echo "run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) PAGES="${2:?--pages needs a number}"; shift 2 ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --concurrency) CONCURRENCY="${2:?--concurrency needs a number}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --store) STORE="${2:?--store needs a folder}"; shift 2 ;;
    --gzip) GZIP=on; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-spider) SPIDER=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
for v in PAGES RUNS PORT ${CONCURRENCY:+CONCURRENCY}; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v,,} must be a positive whole number, not '${!v}'"
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="${TMPDIR:-/tmp}"
STORE="${STORE:-$TMP/vendorscan-bench-store-$PAGES-$PORT}"
ORIGIN="http://127.0.0.1:$PORT"

# --- Tools: check, never install ------------------------------------------------------------
missing=()
command -v python3 >/dev/null || missing+=(python3)
NGINX="$(command -v nginx || true)"
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; } || true
[ -n "$NGINX" ] || missing+=(nginx)
if [ ! -x /usr/bin/time ] || ! /usr/bin/time -v true >/dev/null 2>&1; then missing+=("time (GNU time at /usr/bin/time)"); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: missing: ${missing[*]}" >&2
  echo "run.sh: install them with:  apt-get update && apt-get install -y nginx time python3" >&2
  exit 2
fi
[ "$BUILD" = 0 ] || command -v cargo >/dev/null || die "cargo not found (or pass --no-build)"

WORK="$(mktemp -d "$TMP/vendorscan-bench.XXXXXX")"
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The store ------------------------------------------------------------------------------
stamp="$(sha256sum < "$REPO/bench/gen-store.py" | cut -c1-16) pages=$PAGES origin=$ORIGIN"
if [ "$(cat "$STORE/.gen-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "== generating a $PAGES-page store in $STORE"
  python3 "$REPO/bench/gen-store.py" --pages "$PAGES" --out "$STORE" --origin "$ORIGIN"
  echo "$stamp" > "$STORE/.gen-stamp"
else
  echo "== store: $STORE (already generated)"
fi
STORE_BYTES="$(find "$STORE" -name '*.html' -printf '%s\n' | awk '{s+=$1} END {print s}')"

# --- The build ------------------------------------------------------------------------------
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/vendorscan"
if [ "$BUILD" = 1 ]; then
  echo "== cargo build --release --features jemalloc"
  (cd "$REPO" && cargo build --release --features jemalloc --quiet)
fi
[ -x "$BIN" ] || die "$BIN not found (run cargo build --release)"

# --- nginx on loopback ----------------------------------------------------------------------
# shellcheck source=bench/nginx.sh
. "$REPO/bench/nginx.sh"
start_nginx "$STORE" "$PORT" "$WORK" "$GZIP" || die "cannot serve the store"
status="$(python3 -c 'import sys,urllib.request as u; print(u.urlopen(sys.argv[1]).status)' "$ORIGIN/" 2>&1 | tail -1)"
[ "$status" = 200 ] || die "nginx answers $ORIGIN/ with: $status (can its worker read $STORE?)"

# --- Conditions -----------------------------------------------------------------------------
rev="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ "$rev" = unknown ] || git -C "$REPO" diff --quiet HEAD 2>/dev/null || rev="$rev+dirty"
echo "== conditions: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   $("$BIN" --version 2>/dev/null | head -1) at $rev (release build), $NGINX_VERSION on 127.0.0.1:$PORT (1 worker, gzip $GZIP)"
echo "   store: $PAGES pages, $(awk -v b="$STORE_BYTES" -v n="$PAGES" 'BEGIN {printf "%.1f MB, %.1f KB per page", b/1e6, b/n/1e3}')"

# --- Timed runs -----------------------------------------------------------------------------
SCAN_ARGS=(scan "$ORIGIN/" --max-pages "$((PAGES + 50))" -f json --quiet)
[ -z "$CONCURRENCY" ] || SCAN_ARGS+=(--concurrency "$CONCURRENCY" --per-host-concurrency "$CONCURRENCY")
echo "== $RUNS run(s) of: vendorscan ${SCAN_ARGS[*]} -o REPORT"
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
# One run: wall seconds (ns clock), then GNU time's peak RSS and CPU.
timed() { # name out-file command...
  local name="$1" out="$2" t0 t1 rc=0
  shift 2
  t0="$(date +%s%N)"
  (cd "$WORK" && /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$out") || rc=$?
  t1="$(date +%s%N)"
  python3 - "$name" "$rc" "$t0" "$t1" "$WORK/time.txt" >> "$RESULTS" <<'PY'
import re, sys
name, rc, t0, t1, tf = sys.argv[1:]
t = open(tf).read()
def num(label):
    m = re.search(re.escape(label) + r":\s*([0-9.]+)", t)
    return float(m.group(1)) if m else 0.0
cpu = num("User time (seconds)") + num("System time (seconds)")
print(f"{name}\t{rc}\t{(int(t1) - int(t0)) / 1e9:.4f}\t{num('Maximum resident set size (kbytes)') / 1024:.1f}\t{cpu:.2f}")
PY
  return "$rc"
}
for i in $(seq "$RUNS"); do
  rc=0
  timed vendorscan /dev/null "$BIN" "${SCAN_ARGS[@]}" -o "$WORK/report.json" || rc=$?
  # 0: done; 1: done, and a policy check failed (a vendorscan.toml nearby): both are full scans.
  if [ "$rc" -gt 1 ]; then
    cat "$WORK/time.txt" >&2
    die "vendorscan exited with $rc"
  fi
  counts="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["pages_scanned"], s["pages_failed"], s["pages_skipped"], s["third_party_hosts"], s["vendors"], s["unknown_hosts"])' "$WORK/report.json")"
  read -r scanned failed skipped hosts vendors unknown <<< "$counts"
  # The run's line in results.tsv gets the page count.
  sed -i '$ s/$/\t'"$scanned"'/' "$RESULTS"
  IFS=$'\t' read -r _ _ wall rss cpu _ < <(tail -1 "$RESULTS")
  printf '   run %d/%d: %d pages scanned (%d failed, %d skipped) in %.2f s = %.1f pages/s, peak RSS %.1f MB, CPU %.2f s; %d third-party hosts, %d vendors, %d unknown\n' \
    "$i" "$RUNS" "$scanned" "$failed" "$skipped" "$wall" "$(awk -v p="$scanned" -v w="$wall" 'BEGIN {print p/w}')" "$rss" "$cpu" "$hosts" "$vendors" "$unknown"
  [ "$scanned" = "$PAGES" ] || echo "   warning: expected $PAGES pages scanned, got $scanned" >&2
done
cp "$WORK/report.json" "$TMP/vendorscan-bench-report.json"

# --- Optional comparison: spider (cargo install spider_cli) --------------------------------
if [ "$SPIDER" = 1 ] && command -v spider >/dev/null; then
  # HTTP only (no headless browser), a page budget like vendorscan's, and the visited links
  # on stdout (`crawl -o`). No Spider Cloud key is passed on, so the crawl stays local.
  spider_help="$(spider --help 2>&1 || true)"
  SPIDER_ARGS=(--url "$ORIGIN/")
  ! grep -q -- '--limit' <<< "$spider_help" || SPIDER_ARGS+=(--limit "$((PAGES + 50))")
  ! grep -q -- '--http' <<< "$spider_help" || SPIDER_ARGS+=(--http)
  SPIDER_ARGS+=(crawl -o)
  echo "== $RUNS run(s) of: spider ${SPIDER_ARGS[*]}  ($(spider --version 2>/dev/null | head -1))"
  for i in $(seq "$RUNS"); do
    rc=0
    timed spider "$WORK/spider.txt" env -u SPIDER_CLOUD_API_KEY spider "${SPIDER_ARGS[@]}" || rc=$?
    links="$(wc -l < "$WORK/spider.txt")"
    sed -i '$ s/$/\t'"$links"'/' "$RESULTS"
    IFS=$'\t' read -r _ _ wall rss cpu _ < <(tail -1 "$RESULTS")
    printf '   run %d/%d: exit %d, %d lines of output in %.2f s, peak RSS %.1f MB, CPU %.2f s\n' "$i" "$RUNS" "$rc" "$links" "$wall" "$rss" "$cpu"
  done
elif [ "$SPIDER" = 1 ]; then
  echo "== spider not on PATH: no comparison (see docs/performance.md)"
fi

# --- Summary (medians) ----------------------------------------------------------------------
python3 - "$RESULTS" "$PAGES" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
pages = int(sys.argv[2])
def med(tool):
    rs = [r for r in rows if r[0] == tool]
    if not rs:
        return None
    wall = [float(r[2]) for r in rs]
    return {
        "runs": len(rs),
        "wall": statistics.median(wall),
        "wall_min": min(wall),
        "wall_max": max(wall),
        "rss": statistics.median(float(r[3]) for r in rs),
        "cpu": statistics.median(float(r[4]) for r in rs),
        "pages": int(statistics.median(int(r[5]) for r in rs)),
    }
v = med("vendorscan")
print(f"== vendorscan, median of {v['runs']} run(s): {v['pages']} pages scanned in {v['wall']:.2f} s "
      f"(min {v['wall_min']:.2f}, max {v['wall_max']:.2f}) = {v['pages'] / v['wall']:.1f} pages/s, "
      f"peak RSS {v['rss']:.1f} MB, CPU {v['cpu']:.2f} s ({v['cpu'] / v['wall'] * 100:.0f}% of one core)")
s = med("spider")
if s:
    print(f"== spider, median of {s['runs']} run(s): {s['wall']:.2f} s (min {s['wall_min']:.2f}, max {s['wall_max']:.2f}), "
          f"peak RSS {s['rss']:.1f} MB, CPU {s['cpu']:.2f} s; vendorscan takes {v['wall'] / s['wall']:.2f}x spider's wall time "
          f"(spider only follows links; vendorscan also extracts and classifies every reference)")
PY
echo "== last report: $TMP/vendorscan-bench-report.json"
