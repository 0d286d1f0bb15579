"""Gather review/corrections/*.csv into data/corrections.csv (the book's Corrections page).

    python review/tools/merge_corrections.py 2026-12-02

Rows already in data/corrections.csv are kept; a row of a review file is added once, with the
date given, unless the same location, was and now are there already.
"""
import csv, io, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["date", "location", "was", "now", "source_id", "reason"]


def main(date: str) -> None:
    target = ROOT / "data" / "corrections.csv"
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline=""))) if target.is_file() else []
    seen = {(r["location"], r["was"], r["now"]) for r in rows}
    for path in sorted((ROOT / "review" / "corrections").glob("*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8", newline="")):
            key = (row["location"].strip(), row["was"].strip(), row["now"].strip())
            if key in seen or not all(key):
                continue
            seen.add(key)
            sources = "; ".join(s.strip() for s in (row.get("source_id") or "").replace(",", ";").split(";")
                                if s.strip())
            rows.append({"date": date, "location": key[0], "was": key[1], "now": key[2], "source_id": sources,
                         "reason": (row.get("reason") or "").strip() or "Checked against the source."})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target.write_text(out.getvalue(), encoding="utf-8")
    print(f"{len(rows)} corrections in {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1])
