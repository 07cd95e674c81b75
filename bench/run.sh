#!/usr/bin/env bash
# Crawl benchmark: time `vendorscan scan` over generated N-page stores served by nginx on
# 127.0.0.1 (loopback only), side by side with spider_cli when it is on PATH, and report
# pages/s, peak RSS, CPU and output size per store profile.
#
#   bash bench/run.sh                          # every profile, 1000 pages, 5 runs each, medians
#   bash bench/run.sh --profile tag-heavy      # one profile (repeat --profile for several)
#   bash bench/run.sh --pages 50 --runs 1      # a quick check
#
# Each profile's store is generated (bench/gen-store.py --profile P), served, and crawled
# RUNS times by vendorscan and, when `spider` is on PATH, by spider_cli: one run of each in
# turn, so both tools see the same machine load. The last lines are a Markdown table of all
# profiles side by side.
#
# Options:
#   --profile P      a gen-store.py profile: theme, tag-heavy, big-scripts, small-pages,
#                    huge-pages, many-vendors (default: all of them, in that order)
#   --pages N        pages in each generated store (default 1000)
#   --runs R         timed runs of each tool; the median is reported (default 5)
#   --concurrency C  passed as --concurrency C --per-host-concurrency C (default: vendorscan's own)
#   --port P         loopback port for nginx (default 8089)
#   --store DIR      where the stores are generated, one folder per profile
#                    (default ${TMPDIR:-/tmp}; folders vendorscan-bench-store-PROFILE-N-P)
#   --gzip           let nginx gzip HTML (level 1) as most stores do; off by default
#   --no-build       use the existing release binary instead of `cargo build --release`
#   --no-spider      skip the spider comparison even when `spider` is on PATH
#
# Needs python3, nginx and GNU time (/usr/bin/time); installs nothing. On Debian/Ubuntu:
#   apt-get install -y nginx time
# spider_cli (optional): cargo install spider_cli --version 2.53.9 --locked --root DIR,
# then PATH=DIR/bin:$PATH. Nothing leaves the machine: nginx listens on 127.0.0.1 only,
# vendorscan never fetches third-party URLs in a static scan, and spider stays on the site.
set -euo pipefail

PAGES=1000
RUNS=5
CONCURRENCY=""
PORT=8089
STORE_ROOT=""
GZIP=off
BUILD=1
SPIDER=1
PROFILES=()
ALL_PROFILES=(theme tag-heavy big-scripts small-pages huge-pages many-vendors)

die() { echo "run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) PROFILES+=("${2:?--profile needs a name}"); shift 2 ;;
    --pages) PAGES="${2:?--pages needs a number}"; shift 2 ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --concurrency) CONCURRENCY="${2:?--concurrency needs a number}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --store) STORE_ROOT="${2:?--store needs a folder}"; shift 2 ;;
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
[ ${#PROFILES[@]} -gt 0 ] || PROFILES=("${ALL_PROFILES[@]}")
for p in "${PROFILES[@]}"; do
  [[ " ${ALL_PROFILES[*]} " == *" $p "* ]] || die "unknown profile '$p' (one of: ${ALL_PROFILES[*]})"
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="${TMPDIR:-/tmp}"
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
# shellcheck source=bench/nginx.sh
. "$REPO/bench/nginx.sh"
cleanup() {
  stop_nginx
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The build ------------------------------------------------------------------------------
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/vendorscan"
if [ "$BUILD" = 1 ]; then
  echo "== cargo build --release --features jemalloc"
  (cd "$REPO" && cargo build --release --features jemalloc --quiet)
fi
[ -x "$BIN" ] || die "$BIN not found (run cargo build --release)"

# --- spider_cli, when installed ---------------------------------------------------------------
HAVE_SPIDER=0
if [ "$SPIDER" = 1 ] && command -v spider >/dev/null; then
  HAVE_SPIDER=1
  # HTTP only (no headless browser), a page budget like vendorscan's, and the visited links
  # on stdout (`crawl -o`). No Spider Cloud key is passed on, so the crawl stays local.
  spider_help="$(spider --help 2>&1 || true)"
  SPIDER_ARGS=(--url "$ORIGIN/")
  ! grep -q -- '--limit' <<< "$spider_help" || SPIDER_ARGS+=(--limit "$((PAGES + 50))")
  ! grep -q -- '--http' <<< "$spider_help" || SPIDER_ARGS+=(--http)
  SPIDER_ARGS+=(crawl -o)
elif [ "$SPIDER" = 1 ]; then
  echo "== spider not on PATH: no comparison (see docs/performance.md to install spider_cli)"
fi

# --- Conditions -----------------------------------------------------------------------------
rev="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ "$rev" = unknown ] || git -C "$REPO" diff --quiet HEAD 2>/dev/null || rev="$rev+dirty"
echo "== conditions: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   $("$BIN" --version 2>/dev/null | head -1) at $rev (release build)"
[ "$HAVE_SPIDER" = 0 ] || echo "   $(spider --version 2>/dev/null | head -1)"

SCAN_ARGS=(scan "$ORIGIN/" --max-pages "$((PAGES + 50))" -f json --quiet)
[ -z "$CONCURRENCY" ] || SCAN_ARGS+=(--concurrency "$CONCURRENCY" --per-host-concurrency "$CONCURRENCY")
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
# One run, as a line of results.tsv: profile, tool, exit code, wall seconds (ns clock), GNU
# time's peak RSS and CPU, the 1-minute load average just before; the caller appends pages
# and output bytes.
timed() { # profile tool out-file command...
  local profile="$1" name="$2" out="$3" t0 t1 rc=0 load
  shift 3
  load="$(cut -d' ' -f1 /proc/loadavg)"
  t0="$(date +%s%N)"
  (cd "$WORK" && /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$out") || rc=$?
  t1="$(date +%s%N)"
  python3 - "$profile" "$name" "$rc" "$t0" "$t1" "$WORK/time.txt" "$load" >> "$RESULTS" <<'PY'
import re, sys
profile, name, rc, t0, t1, tf, load = sys.argv[1:]
t = open(tf).read()
def num(label):
    m = re.search(re.escape(label) + r":\s*([0-9.]+)", t)
    return float(m.group(1)) if m else 0.0
cpu = num("User time (seconds)") + num("System time (seconds)")
rss = num("Maximum resident set size (kbytes)") / 1024
print(f"{profile}\t{name}\t{rc}\t{(int(t1) - int(t0)) / 1e9:.4f}\t{rss:.1f}\t{cpu:.2f}\t{load}", end="")
PY
  return "$rc"
}
last() { tail -1 "$RESULTS" | cut -f"$1"; }

for PROFILE in "${PROFILES[@]}"; do
  # --- The store, generated once per generator, profile, page count and origin ---------------
  STORE="${STORE_ROOT:-$TMP}/vendorscan-bench-store-$PROFILE-$PAGES-$PORT"
  ensure_store "$PROFILE" "$PAGES" "$ORIGIN" "$STORE"
  STORE_BYTES="$(find "$STORE" -name '*.html' -printf '%s\n' | awk '{s+=$1} END {print s}')"
  echo "== $PROFILE: $PAGES pages, $(awk -v b="$STORE_BYTES" -v n="$PAGES" 'BEGIN {printf "%.1f MB, %.1f KB per page", b/1e6, b/n/1e3}'), in $STORE"

  # --- nginx on loopback --------------------------------------------------------------------
  mkdir -p "$WORK/$PROFILE"
  start_nginx "$STORE" "$PORT" "$WORK/$PROFILE" "$GZIP" || die "cannot serve the store"
  status="$(python3 -c 'import sys,urllib.request as u; print(u.urlopen(sys.argv[1]).status)' "$ORIGIN/" 2>&1 | tail -1)"
  [ "$status" = 200 ] || die "nginx answers $ORIGIN/ with: $status (can its worker read $STORE?)"
  echo "   $NGINX_VERSION on 127.0.0.1:$PORT (1 worker, gzip $GZIP); $RUNS run(s) of vendorscan ${SCAN_ARGS[*]} -o REPORT"
  [ "$HAVE_SPIDER" = 0 ] || echo "   each followed by spider ${SPIDER_ARGS[*]}"

  # --- Timed runs, the two tools in turn ----------------------------------------------------
  for i in $(seq "$RUNS"); do
    rc=0
    timed "$PROFILE" vendorscan /dev/null "$BIN" "${SCAN_ARGS[@]}" -o "$WORK/report.json" || rc=$?
    # 0: done; 1: done, and a policy check failed (a vendorscan.toml nearby): both are full scans.
    if [ "$rc" -gt 1 ]; then
      echo >> "$RESULTS"
      cat "$WORK/time.txt" >&2
      die "vendorscan exited with $rc"
    fi
    counts="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["pages_scanned"], s["pages_failed"], s["pages_skipped"], s["third_party_resources"], s["third_party_hosts"], s["vendors"], s["unknown_hosts"])' "$WORK/report.json")"
    read -r scanned failed skipped third hosts vendors unknown <<< "$counts"
    bytes="$(stat -c %s "$WORK/report.json")"
    printf '\t%s\t%s\n' "$scanned" "$bytes" >> "$RESULTS"
    printf '   vendorscan %d/%d: %d pages (%d failed, %d skipped) in %.2f s = %.0f pages/s, peak RSS %.1f MB, CPU %.2f s, report %.2f MB; %d third-party references, %d hosts, %d vendors, %d unknown; load %s\n' \
      "$i" "$RUNS" "$scanned" "$failed" "$skipped" "$(last 4)" "$(awk -v p="$scanned" -v w="$(last 4)" 'BEGIN {print p/w}')" \
      "$(last 5)" "$(last 6)" "$(awk -v b="$bytes" 'BEGIN {print b/1e6}')" "$third" "$hosts" "$vendors" "$unknown" "$(last 7)"
    [ "$scanned" = "$PAGES" ] || echo "   warning: expected $PAGES pages scanned, got $scanned" >&2
    if [ "$HAVE_SPIDER" = 1 ]; then
      rc=0
      timed "$PROFILE" spider "$WORK/spider.txt" env -u SPIDER_CLOUD_API_KEY spider "${SPIDER_ARGS[@]}" || rc=$?
      links="$(wc -l < "$WORK/spider.txt")"
      printf '\t%s\t%s\n' "$links" "$(stat -c %s "$WORK/spider.txt")" >> "$RESULTS"
      printf '   spider     %d/%d: exit %d, %d lines of output in %.2f s, peak RSS %.1f MB, CPU %.2f s; load %s\n' \
        "$i" "$RUNS" "$rc" "$links" "$(last 4)" "$(last 5)" "$(last 6)" "$(last 7)"
      [ "$links" -ge "$((PAGES * 95 / 100))" ] || echo "   warning: spider stopped after $links of the store's $PAGES pages: this run is left out of its medians" >&2
    fi
  done
  cp "$WORK/report.json" "$TMP/vendorscan-bench-report-$PROFILE.json"
  stop_nginx
done

# --- Summary: medians, every profile side by side ---------------------------------------------
python3 - "$RESULTS" "$PAGES" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.count("\t") >= 8]
pages = int(sys.argv[2])
short = {}
def med(profile, tool):
    rs = [r for r in rows if r[0] == profile and r[1] == tool]
    # spider_cli now and then stops early on a store (a few dozen or hundred pages, exit 0);
    # such a run did not crawl the store, and timing it as if it had would flatter spider.
    # (A full crawl now and then prints one line fewer than the store has pages.)
    if tool == "spider":
        full = [r for r in rs if int(r[7]) >= pages * 95 // 100]
        if len(full) < len(rs):
            short[profile] = (len(rs) - len(full), len(rs))
        rs = full
    if not rs:
        return None
    wall = [float(r[3]) for r in rs]
    return {
        "runs": len(rs),
        "wall": statistics.median(wall),
        "lo": min(wall),
        "hi": max(wall),
        "rss": statistics.median(float(r[4]) for r in rs),
        "cpu": statistics.median(float(r[5]) for r in rs),
        "loads": [float(r[6]) for r in rs],
        "pages": int(statistics.median(int(r[7]) for r in rs)),
        "bytes": int(statistics.median(int(r[8]) for r in rs)),
    }
profiles = list(dict.fromkeys(r[0] for r in rows))
runs = max(med(p, "vendorscan")["runs"] for p in profiles)
print(f"== medians of {runs} run(s) of each tool (min-max wall in brackets); spider's pages/s counts the store's {pages} pages")
print("| profile | vendorscan pages/s | spider_cli pages/s | ratio | vendorscan peak RSS | spider_cli peak RSS | vendorscan CPU | spider_cli CPU | report | load (1 min) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for p in profiles:
    v, s = med(p, "vendorscan"), med(p, "spider")
    vps = v["pages"] / v["wall"]
    loads = v["loads"] + (s["loads"] if s else [])
    cells = [p, f"{vps:,.0f} ({v['lo']:.2f}-{v['hi']:.2f} s)"]
    if s:
        sps = pages / s["wall"]
        cells += [f"{sps:,.0f} ({s['lo']:.2f}-{s['hi']:.2f} s)", f"{vps / sps:.2f}x", f"{v['rss']:.1f} MB", f"{s['rss']:.1f} MB", f"{v['cpu']:.2f} s", f"{s['cpu']:.2f} s"]
    else:
        cells += ["-", "-", f"{v['rss']:.1f} MB", "-", f"{v['cpu']:.2f} s", "-"]
    cells += [f"{v['bytes'] / 1e6:.2f} MB", f"{min(loads):.1f}-{max(loads):.1f}"]
    print("| " + " | ".join(cells) + " |")
for p, (n, of) in short.items():
    print(f"   {p}: spider_cli stopped short of 95% of the store's {pages} pages in {n} of {of} runs; its medians are of the other {of - n}")
PY
echo "== last reports: $TMP/vendorscan-bench-report-PROFILE.json"
