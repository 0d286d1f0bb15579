"""Apply the timeline reviewers' results (review/parts/timeline-*.json) to data/timeline.csv.

    python review/tools/merge_timeline_parts.py

Each part is a list of objects {row, match, action, fields, review, corrections} (see
review/parts/TIMELINE_BRIEF.md). The script checks that every `row` index still holds the
event its `match` names, so a part written against another version of the table is refused
rather than applied to the wrong rows. It then writes data/timeline.csv (rows sorted by date,
new rows placed after the rows of their day), appends the review lines to review/timeline.csv
and the corrections to review/corrections/timeline.csv.
"""
import csv, io, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "data" / "timeline.csv"
REVIEW = ROOT / "review" / "timeline.csv"
CORRECTIONS = ROOT / "review" / "corrections" / "timeline.csv"


def read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def write(path, header, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def main() -> None:
    header, rows = read(TABLE)
    parts = sorted((ROOT / "review" / "parts").glob("timeline-*.json"))
    if not parts:
        sys.exit("no review/parts/timeline-*.json")
    result = {i: row for i, row in enumerate(rows)}
    added, reviews, corrections, problems = [], [], [], []
    for part in parts:
        for n, item in enumerate(json.loads(part.read_text(encoding="utf-8"))):
            where = f"{part.name} item {n}"
            action = item.get("action")
            if action not in {"keep", "change", "remove", "add"}:
                problems.append(f"{where}: action {action!r}")
                continue
            if action != "add":
                index = item.get("row")
                if not isinstance(index, int) or not 0 <= index < len(rows):
                    problems.append(f"{where}: row {index!r} is not in data/timeline.csv")
                    continue
                if not rows[index]["event"].startswith(item.get("match", "")[:30]):
                    problems.append(f"{where}: row {index} is {rows[index]['event'][:40]!r}, "
                                    f"not {item.get('match')!r}")
                    continue
            if action in {"keep", "change", "add"}:
                fields = item.get("fields") or {}
                missing = [name for name in header if name not in fields]
                extra = [name for name in fields if name not in header]
                if missing or extra:
                    problems.append(f"{where}: fields missing {missing}, unknown {extra}")
                    continue
                new = {name: (fields[name] or "").strip() for name in header}
                if action == "add":
                    added.append(new)
                else:
                    result[index] = new
            else:
                result[index] = None
            if item.get("review"):
                reviews.append(item["review"])
            corrections.extend(item.get("corrections") or [])
    if problems:
        sys.exit("nothing written:\n" + "\n".join(problems))
    kept = [row for _, row in sorted(result.items()) if row is not None]
    ordered = sorted(kept + added, key=lambda row: row["date"])  # stable: a day's rows keep their order
    write(TABLE, header, ordered)
    review_header, review_rows = read(REVIEW)
    write(REVIEW, review_header, review_rows + [{k: r.get(k, "") for k in review_header} for r in reviews])
    corr_header, corr_rows = read(CORRECTIONS)
    write(CORRECTIONS, corr_header, corr_rows + [{k: c.get(k, "") for k in corr_header} for c in corrections])
    print(f"timeline: {len(ordered)} rows ({len(added)} added, {len(rows) - len(kept)} removed); "
          f"{len(reviews)} review lines; {len(corrections)} corrections")


if __name__ == "__main__":
    main()
