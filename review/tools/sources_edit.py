"""Add or change rows of data/sources.csv safely while several people edit it.

Every change runs under an exclusive lock (/tmp/qantar-sources.lock), reads the file,
changes it and writes it back, so two editors never lose each other's rows.

    python review/tools/sources_edit.py add new_rows.csv      # rows with the sources.csv header
    python review/tools/sources_edit.py set SOURCE_ID FIELD VALUE
    python review/tools/sources_edit.py show SOURCE_ID
"""
import csv, fcntl, io, sys
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "data" / "sources.csv"


def main(argv):
    with open("/tmp/qantar-sources.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rows = list(csv.DictReader(PATH.open(encoding="utf-8", newline="")))
        header = list(rows[0].keys()) if rows else []
        by_id = {row["source_id"]: row for row in rows}
        if argv[0] == "add":
            new = list(csv.DictReader(open(argv[1], encoding="utf-8", newline="")))
            for row in new:
                if row["source_id"] in by_id:
                    sys.exit(f"source_id {row['source_id']} exists already; nothing written")
                unknown = set(row) - set(header)
                if unknown:
                    sys.exit(f"unknown columns {sorted(unknown)}; nothing written")
                rows.append({name: row.get(name, "") or "" for name in header})
        elif argv[0] == "set":
            source_id, field, value = argv[1:4]
            if source_id not in by_id or field not in header:
                sys.exit(f"no source {source_id} or no field {field}")
            by_id[source_id][field] = value
        elif argv[0] == "show":
            print(by_id[argv[1]])
            return
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        PATH.write_text(out.getvalue(), encoding="utf-8")
        print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
