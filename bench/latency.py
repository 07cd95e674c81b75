#!/usr/bin/env python3
"""Latency benchmark: a store whose server takes 50-100 ms per response.

    python3 bench/latency.py [--pages 200] [--bin target/release/vendorscan]

Serves a generated store (bench/gen-store.py) from a threaded server on 127.0.0.1 that
sleeps 50-100 ms (seeded, so every run sees the same delays) before each answer, and
counts how many requests it is serving at once. Then it scans the store with several
politeness settings and prints, for each: wall time, pages/s, the time the latency alone
would predict (requests x mean delay / per-host concurrency, or requests x D with
--delay D), and the peak number of requests the server held at once (counted while each
waits out its delay), which must never exceed --per-host-concurrency. With --delay D the
requests must also arrive at least D ms apart (the smallest gap between two accepted
connections is printed, and flagged when it is more than 2 ms shorter: scheduling on both
sides of loopback moves an arrival by about a millisecond).

Python's server is slow (a few hundred pages/s at most), but here the latency, not the
server, bounds the crawl. Loopback only; Python 3 standard library only.
"""

import argparse
import http.server
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class State:
    lock = threading.Lock()
    in_flight = 0
    peak = 0
    starts = []
    rng = random.Random(20261202)


def handler_for(root):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, *a):
            pass

        def do_GET(self):
            with State.lock:
                State.in_flight += 1
                State.peak = max(State.peak, State.in_flight)
                delay = State.rng.uniform(0.050, 0.100)
            # A request counts as in flight while the server makes it wait, not while the
            # answer is written: the client may read the last byte, free its slot and send
            # its next request before this thread gets back from the write, and counting
            # that next request too would show a limit broken that the client kept.
            try:
                time.sleep(delay)
            finally:
                with State.lock:
                    State.in_flight -= 1
            super().do_GET()

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "vendorscan"))
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"latency.py: {args.bin} not found (cargo build --release)")

    class Server(http.server.ThreadingHTTPServer):
        # A deep accept queue: the default (5) would make the server, not the crawler, the limit.
        request_queue_size = 256

        def process_request(self, request, client_address):
            # Arrivals are stamped at accept, before a thread is started for the request:
            # a thread that starts late (the GIL, a busy machine) would make one arrival look
            # later than it was, and the gap after it shorter. The handler speaks HTTP/1.0,
            # so every request has a connection of its own.
            with State.lock:
                State.starts.append(time.monotonic())
            super().process_request(request, client_address)

    server = Server(("127.0.0.1", 0), None)
    # The accept loop waits for the GIL like every handler thread; at the default switch
    # interval (5 ms) an arrival can be stamped up to 5 ms late, which shows a --delay 20
    # crawl as 15 ms apart. 0.2 ms keeps the stamps within a fraction of a millisecond.
    sys.setswitchinterval(0.0002)
    port = server.server_address[1]
    origin = f"http://127.0.0.1:{port}"
    store = tempfile.mkdtemp(prefix="vendorscan-latency-store-")
    subprocess.run([sys.executable, os.path.join(REPO, "bench", "gen-store.py"), "--pages", str(args.pages),
                    "--out", store, "--origin", origin], check=True, stdout=subprocess.DEVNULL)
    server.RequestHandlerClass = handler_for(store)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    print(f"== {args.pages}-page store on {origin}, 50-100 ms per response (mean 75 ms); {os.cpu_count()} CPUs")
    print(f"{'settings':<44}{'wall':>8}{'pages/s':>9}{'latency-bound':>15}{'peak at once':>14}{'min gap':>9}")
    # Robots.txt and the sitemaps are requests too: the crawl makes about pages + 5 of them.
    settings = [
        (["--concurrency", "1", "--per-host-concurrency", "1"], 1, 0),
        (["--concurrency", "4", "--per-host-concurrency", "4"], 4, 0),
        (["--concurrency", "8", "--per-host-concurrency", "8"], 8, 0),
        (["--concurrency", "16", "--per-host-concurrency", "16"], 16, 0),
        (["--concurrency", "32", "--per-host-concurrency", "32"], 32, 0),
        (["--concurrency", "32", "--per-host-concurrency", "4"], 4, 0),
        (["--concurrency", "8", "--per-host-concurrency", "8", "--delay", "20"], 8, 20),
    ]
    for flags, per_host, delay in settings:
        with State.lock:
            State.in_flight, State.peak, State.starts = 0, 0, []
            State.rng = random.Random(20261202)
        out = os.path.join(store, "report.json")
        t0 = time.monotonic()
        rc = subprocess.run([args.bin, "scan", f"{origin}/", "--max-pages", str(args.pages + 50), "-f", "json",
                             "--quiet", "-o", out] + flags).returncode
        wall = time.monotonic() - t0
        if rc not in (0, 1):
            sys.exit(f"latency.py: vendorscan exited with {rc}")
        scanned = json.load(open(out))["summary"]["pages_scanned"]
        requests = len(State.starts)
        bound = max(requests * 0.075 / per_host, requests * delay / 1000)
        starts = sorted(State.starts)
        gap = min((b - a for a, b in zip(starts, starts[1:])), default=0) * 1000
        ok = "" if State.peak <= per_host else "  <- over the per-host limit!"
        # vendorscan starts requests to a host at least `delay` apart; the arrivals the
        # server stamps also carry the scheduling of both sides of loopback, about 1 ms.
        if delay and gap < delay - 2:
            ok += f"  <- closer than --delay {delay}!"
        print(f"{' '.join(flags):<44}{wall:>7.2f}s{scanned / wall:>9.1f}{bound:>14.2f}s{State.peak:>14}{gap:>7.1f}ms{ok}")
    server.shutdown()


if __name__ == "__main__":
    main()
