#!/usr/bin/env python3
"""Turn the WhoTracks.Me SQLite dump (August 2022, CC BY 4.0) into the seed file the
generator reads: vendors/seed/whotracksme/trackers.json.

Usage: tools/import-whotracksme.py ../shared/data/whotracksme-2022-08/trackerdb.sql

Only what `vendors build` uses is kept (tracker name, category, company, website,
domains; company name, country, website, privacy page). Descriptions and the curators'
notes are left out. Aliased trackers are folded into the tracker they alias. The output
is sorted so a re-import of the same dump is byte for byte the same; the generator then
never needs SQLite, and its byte-for-byte test stays offline.
"""
import json
import sqlite3
import sys

dump = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/whotracksme-2022-08/trackerdb.sql"
db = sqlite3.connect(":memory:")
with open(dump, encoding="utf-8") as f:
    db.executescript(f.read())

categories = dict(db.execute("select id, name from categories"))
companies = {}
for cid, name, country, website, privacy in db.execute(
    "select id, name, country, website_url, privacy_url from companies"
):
    entry = {"name": name.strip()}
    if country:
        entry["country"] = country.strip().upper()
    if website:
        entry["website"] = website.strip()
    if privacy:
        entry["privacy_policy"] = privacy.strip()
    companies[cid] = entry

trackers = {}
alias_of = {}
for tid, name, cat, website, company, alias in db.execute(
    "select id, name, category_id, website_url, company_id, alias from trackers"
):
    if alias:
        alias_of[tid] = alias
    t = {"id": tid, "name": name.strip(), "category": categories.get(cat, "unknown"), "domains": []}
    if company:
        t["company"] = company
    if website:
        t["website"] = website.strip()
    trackers[tid] = t

for tracker, domain in db.execute("select tracker, domain from tracker_domains"):
    target = tracker
    seen = set()
    while target in alias_of and target not in seen:
        seen.add(target)
        target = alias_of[target]
    if target in trackers:
        trackers[target]["domains"].append(domain.strip().lower())

out = []
for t in sorted(trackers.values(), key=lambda t: t["id"]):
    if t["id"] in alias_of or not t["domains"]:
        continue
    t["domains"] = sorted(set(t["domains"]))
    out.append(t)
used = {t["company"] for t in out if "company" in t}
doc = {
    "source": "WhoTracks.Me tracker database (Cliqz GmbH and Ghostery), August 2022 snapshot, CC BY 4.0, https://whotracks.me",
    "snapshot": "whotracksme/whotracks.me@3d961e62 whotracksme/data/assets/trackerdb.sql (2022-08-02)",
    "companies": {k: companies[k] for k in sorted(used) if k in companies},
    "trackers": out,
}
path = "vendors/seed/whotracksme/trackers.json"
with open(path, "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False, sort_keys=False)
    f.write("\n")
print(f"{path}: {len(out)} trackers, {len(doc['companies'])} companies, "
      f"{sum(len(t['domains']) for t in out)} domains")
