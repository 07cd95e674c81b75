#!/usr/bin/env python3
"""Write a schema-3 vendorscan JSON report in schema 2's layout, as vendorscan 0.1 at 064d67a
wrote it: pages named by URL in vendors[].pages, unknown_hosts[].pages and every occurrence
({"page", "line", "source", "runtime"?}), indented by two spaces throughout.

    python3 bench/to-schema-2.py REPORT.json > REPORT-v2.json

docs/performance.md uses it for the "schema 2" report sizes: applied to a schema-3 report of
the demo store, it gives tests/fixtures/reports/demo-store-schema-2.json byte for byte.
"""
import json
import sys

d = json.load(open(sys.argv[1], encoding="utf-8"))
names = [p.get("final_url") or p["url"] for p in d["pages"]]
d["schema_version"] = 2
for v in d["vendors"] + d["unknown_hosts"]:
    v["pages"] = [names[i] for i in v["pages"]]
for r in d["resources"]:
    occurrences = []
    for o in r["occurrences"]:
        x = {"page": names[o[0]], "line": o[1], "source": o[2] if len(o) > 2 else "markup"}
        if len(o) > 3 and o[3] is not None:
            x["runtime"] = o[3]
        occurrences.append(x)
    r["occurrences"] = occurrences
sys.stdout.write(json.dumps(d, indent=2, ensure_ascii=False) + "\n")
