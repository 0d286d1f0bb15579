"""Accuracy machinery: evidence passages, keys read from the tables, house spellings, source hygiene.

Each check runs on the module as it is and on a broken copy, to show that it can fail.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from qantar.evidence import check_evidence, evidence_tables, passages
from qantar.excerpts import default_archive
from qantar.exercises.bank import BankError, load_bank
from qantar.spelling import misspellings, scan_text, variants

from conftest import REPO

DATA = REPO / "data"
SEEDS = default_archive()
needs_archive = pytest.mark.skipif(
    SEEDS is None or not SEEDS.is_dir(), reason="no archive of the five articles (../shared/seeds)"
)


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def copy_module(tmp_path: Path) -> Path:
    root = tmp_path / "module"
    for name in ("data", "chapters", "exercises"):
        shutil.copytree(REPO / name, root / name)
    for page in REPO.glob("*.md"):
        shutil.copy(page, root / page.name)
    return root


# --------------------------------------------------------------------------- evidence


def test_every_fact_table_has_an_evidence_column():
    assert set(evidence_tables(DATA)) >= {
        "timeline",
        "claims",
        "csto_members",
        "deployment",
        "precedents",
        "reactions",
        "indicators",
        "glossary",
        "places",
    }


def test_passages_are_split_and_attributed_to_the_row_sources():
    found = passages("first words | mfaby_csto: second words | nosuch: third", ["raia2022", "mfaby_csto"])
    assert [(p.source_id, p.text) for p in found] == [
        ("raia2022", "first words"),
        ("mfaby_csto", "second words"),
        ("raia2022", "nosuch: third"),
    ]


@needs_archive
def test_evidence_from_the_five_articles_is_verbatim():
    problems, checked = check_evidence(SEEDS, DATA)
    verbatim = [
        p for p in problems if "not verbatim" in p.message or "characters" in p.message or "missing" in p.message
    ]
    assert not verbatim, "\n".join(map(str, verbatim))
    # Some evidence comes from the articles, so the verbatim check really ran.
    assert checked >= 1


@needs_archive
def test_a_changed_evidence_passage_is_reported_with_file_row_and_field(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    header, rows = rows_of(data / "claims.csv")
    number = next(i for i, row in enumerate(rows, start=1) if row["claim_id"] == "deaths-01")
    rows[number - 1]["evidence"] = "According to the authorities 165 people were killed"
    write_rows(data / "claims.csv", header, rows)
    problems, _ = check_evidence(SEEDS, data)
    messages = [str(p) for p in problems if "not verbatim" in p.message]
    assert any(
        m.startswith(f"data/claims.csv, row {number} (line ")
        and "field 'evidence'" in m
        and "000_4d27d433e7242886.txt" in m
        for m in messages
    ), messages


@needs_archive
def test_every_fact_row_has_its_supporting_passage():
    # The review's "done" state: no fact-table row without evidence, and every passage checks out.
    problems, checked = check_evidence(SEEDS, DATA)
    assert not problems, "\n".join(map(str, problems))
    assert checked >= 1


@pytest.mark.parametrize(
    "cell, message", [("", "is required but empty"), ("  ", "value has spaces at its start or end")]
)
def test_the_schema_refuses_a_fact_row_without_evidence(tmp_path, cell, message):
    from qantar.data import DataError, validate_all

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    header, rows = rows_of(data / "timeline.csv")
    rows[2]["evidence"] = cell
    write_rows(data / "timeline.csv", header, rows)
    with pytest.raises(DataError) as error:
        validate_all(data)
    assert f"timeline.csv, row 3 (line 4), field 'evidence': {message}" in str(error.value), str(error.value)


def test_the_evidence_check_stops_at_an_empty_evidence_cell_naming_it(tmp_path):
    from qantar.data import DataError

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    header, rows = rows_of(data / "claims.csv")
    rows[0]["evidence"] = ""
    write_rows(data / "claims.csv", header, rows)
    with pytest.raises(DataError, match=r"claims\.csv, row 1 \(line 2\), field 'evidence': is required but empty"):
        check_evidence(None, data)


# --------------------------------------------------------------------------- keys from the tables

NUMBER_FROM_TABLE = """\
    chapter: test
    questions:
      - id: n1
        kind: number
        prompt: How many?
        answer_from: {reference}
        {typed}
        mistakes:
          - answer_from: claims/deaths-01
            feedback: That is the early figure.
        sources: [ndcf2022]
"""


def claim_value(claim_id: str) -> float:
    _, rows = rows_of(DATA / "claims.csv")
    return float(next(row["value"] for row in rows if row["claim_id"] == claim_id))


def test_a_number_key_is_read_from_its_row(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yml").write_text(
        textwrap.dedent(NUMBER_FROM_TABLE.format(reference="claims/deaths-02", typed="")), encoding="utf-8"
    )
    question = load_bank(folder)["n1"]
    assert question.answer == claim_value("deaths-02")
    assert question.mistakes[0].answer == claim_value("deaths-01")


def test_a_typed_key_that_disagrees_with_its_row_names_the_question_and_the_row(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    wrong = claim_value("deaths-02") + 1
    (folder / "test.yml").write_text(
        textwrap.dedent(NUMBER_FROM_TABLE.format(reference="claims/deaths-02", typed=f"answer: {wrong:g}")),
        encoding="utf-8",
    )
    with pytest.raises(BankError) as raised:
        load_bank(folder)
    message = str(raised.value)
    assert message.startswith("exercises/test.yml, question 'n1', field 'answer': ")
    assert "claims/deaths-02" in message and f"{wrong:g}" in message


@pytest.mark.parametrize(
    "reference, expected",
    [
        ("claims/no-such-claim-01", "data/claims.csv has no row with claim_id 'no-such-claim-01'"),
        ("nosuch/deaths-01", "names no table 'nosuch'"),
        ("claims/deaths-01#claimant", "is 'Kazakh authorities"),
        ("claims deaths-01", "is not a table reference"),
    ],
)
def test_a_bad_reference_is_refused_with_its_place(tmp_path, reference, expected):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yml").write_text(
        textwrap.dedent(NUMBER_FROM_TABLE.format(reference=reference, typed="")), encoding="utf-8"
    )
    with pytest.raises(BankError, match=re.escape(expected)) as raised:
        load_bank(folder)
    assert "question 'n1', field 'answer_from'" in str(raised.value)


def test_a_match_pair_must_state_the_figure_of_its_row(tmp_path):
    value = claim_value("deaths-02")
    spec = {
        "chapter": "test",
        "questions": [
            {
                "id": "m1",
                "kind": "match",
                "prompt": "Match",
                "sources": ["ndcf2022"],
                "pairs": {f"{value:,.0f} deaths": "a Telegram channel", "other": "someone"},
                "pair_sources": {f"{value:,.0f} deaths": "claims/deaths-02"},
            }
        ],
    }
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "test.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert load_bank(folder)["m1"].pair_sources == ((f"{value:,.0f} deaths", "claims/deaths-02"),)
    spec["questions"][0]["pair_sources"] = {"other": "claims/deaths-02"}
    (folder / "test.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(BankError, match=r"question 'm1', field 'pair_sources': the pair 'other'"):
        load_bank(folder)


def cell(reference: str) -> float:
    """The figure a reference names, read straight from the CSV (not through the bank's own lookup)."""
    table, rest = reference.split("/", 1)
    key, _, column = rest.partition("#")
    header, rows = rows_of(DATA / f"{table}.csv")
    return float(next(row for row in rows if row[header[0]] == key)[column or "value"])


def test_the_bank_keys_agree_with_their_rows():
    """Every key the bank reads from a table equals that table's cell, and the bank does use the mechanism."""
    bank = load_bank()
    references = 0
    for question in bank.values():
        if question.answer_from:
            assert question.answer == cell(question.answer_from), (question.id, question.answer_from)
            references += 1
        for mistake in question.mistakes:
            if mistake.answer_from:
                assert mistake.answer == cell(mistake.answer_from), (question.id, mistake.answer_from)
                references += 1
        for left, reference in question.pair_sources:
            text = f"{left} {dict(question.pairs)[left]}"
            value = cell(reference)
            assert f"{value:g}" in text or f"{value:,g}" in text or f"{int(value)}" in text, (question.id, left)
            references += 1
    assert references >= 10, "the bank reads almost no key from the tables"


def test_every_correction_of_the_review_is_on_the_corrections_page():
    """review/corrections/*.csv is where reviewers write; data/corrections.csv (the page) must hold them all."""
    _, page = rows_of(DATA / "corrections.csv")
    shown = {(row["location"], row["was"], row["now"]) for row in page}
    missing = []
    for path in sorted((REPO / "review" / "corrections").glob("*.csv")):
        _, rows = rows_of(path)
        missing += [
            f"{path.name}: {row['location']}"
            for row in rows
            if (row["location"].strip(), row["was"].strip(), row["now"].strip()) not in shown
        ]
    assert not missing, "not on the Corrections page (run review/tools/merge_corrections.py): " + "; ".join(missing)


# --------------------------------------------------------------------------- house spellings


def test_the_module_writes_each_name_one_way():
    found = misspellings(REPO)
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("President Toqayev said", True),
        ("President Tokayev (also Qasym-Jomart Toqayev) said", False),
        ("Bifolchi writes “President Toqayev” throughout", False),
        ("> Toqayev issued the order", False),
        ("the city of Uralsk", True),
        ("Oral is also written Uralsk", False),
    ],
)
def test_a_variant_is_flagged_only_outside_quotations(text, flagged):
    assert bool(scan_text(text, "page.md", variants(DATA))) is flagged


def test_a_stray_spelling_in_a_copy_is_reported_with_file_and_line(tmp_path):
    root = copy_module(tmp_path)
    page = root / "chapters" / "causes.md"
    lines = page.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "Protests began in Janaozen.")
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    header, rows = rows_of(root / "data" / "timeline.csv")
    rows[0]["event"] += " Residents of Mangistau protested."
    write_rows(root / "data" / "timeline.csv", header, rows)
    found = [str(m) for m in misspellings(root)]
    assert any(m.startswith("chapters/causes.md, line 4: 'Janaozen'") for m in found), found
    assert any(m.startswith("data/timeline.csv, field 'event', line 2: 'Mangistau'") for m in found), found


# --------------------------------------------------------------------------- source hygiene

INTERNAL_PATH = re.compile(r"(/tmp/|/home/|/work/|/root/|file://|[A-Z]:\\\\|\.library|sources_research)")
# The tail of a cut-off note: "….com copy of WION.", "org copy of RFE/RL.", ".blogspot.com repost".
FRAGMENT = re.compile(r"(?:^|[\s.])(?:[a-z]+\.)*(?:com|org|net|eu|ru|kz)\s+(?:copy|copies|repost)\b")
TRACKING = re.compile(r"[?&](utm_[a-z]+|fbclid|gclid|yclid|mc_cid|mc_eid|_ga|igshid|ref_src)=", re.IGNORECASE)


def hygiene_problems(root: Path) -> list[str]:
    """Notes and addresses a reader would trip on, in every table of the module at ``root``."""
    problems = []
    for path in sorted((root / "data").glob("*.csv")):
        header, rows = rows_of(path)
        for line, row in enumerate(rows, start=2):
            for column, cell in row.items():
                if cell and INTERNAL_PATH.search(cell):
                    problems.append(f"data/{path.name}, line {line}, field '{column}': an internal path: {cell[:80]}")
            note = row.get("note") or ""
            if note:
                if FRAGMENT.search(note):
                    problems.append(f"data/{path.name}, line {line}, field 'note': a broken fragment: {note[-60:]}")
                if not re.match(r"[A-Z0-9“\"‘'(«]", note) or not re.search(r"[.)”»\"'!?]$", note):
                    problems.append(f"data/{path.name}, line {line}, field 'note': not a sentence: {note[:60]}")
            url = row.get("url") or ""
            if url and TRACKING.search(url):
                problems.append(f"data/{path.name}, line {line}, field 'url': a tracking parameter: {url}")
    for page in [*root.glob("*.md"), *(root / "chapters").glob("*.md"), *(root / "exercises").rglob("*.*")]:
        for number, text in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            if INTERNAL_PATH.search(text):
                problems.append(f"{page.relative_to(root)}, line {number}: an internal path")
    return problems


def cited_ids(root: Path) -> set[str]:
    cited = set()
    for path in (root / "data").glob("*.csv"):
        if path.name == "sources.csv":
            continue
        _, rows = rows_of(path)
        for row in rows:
            for column in ("source_id", "other_source_ids"):
                if row.get(column):
                    cited |= set(row[column].split("; "))
    for path in (root / "exercises").glob("*.yml"):
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            cited |= set(question.get("sources") or [])
    return cited


def test_sources_and_notes_are_clean():
    problems = hygiene_problems(REPO)
    assert not problems, "\n".join(problems)


def test_every_source_is_cited_somewhere():
    _, sources = rows_of(DATA / "sources.csv")
    unused = sorted({row["source_id"] for row in sources} - cited_ids(REPO))
    assert not unused, f"sources no row, excerpt or question cites: {unused}"


def test_hygiene_checks_fail_on_a_broken_copy(tmp_path):
    root = copy_module(tmp_path)
    header, rows = rows_of(root / "data" / "sources.csv")
    rows[5]["note"] = "Title reconstructed from the web address.com copy of WION."
    rows[6]["note"] = "Seen via /tmp/work/notes.md."
    rows[7]["url"] = "https://example.org/story?utm_source=newsletter&id=3"
    header_row = dict(rows[8], source_id="never_cited_anywhere")
    rows.append(header_row)
    write_rows(root / "data" / "sources.csv", header, rows)
    problems = hygiene_problems(root)
    assert any("line 7, field 'note': a broken fragment" in p for p in problems), problems
    assert any("line 8, field 'note': an internal path" in p for p in problems), problems
    assert any("line 9, field 'url': a tracking parameter" in p for p in problems), problems
    assert "never_cited_anywhere" not in cited_ids(root)


def seed_footnotes(text: str) -> dict[int, str]:
    return {int(number): body for number, body in re.findall(r"^\[(\d+)\] (.+)$", text, re.MULTILINE)}


def footnote_problems(root: Path, archive: Path) -> list[str]:
    """Each source that stands for a seed's footnote agrees with it on title and year, and so do notes."""
    _, sources = rows_of(root / "data" / "sources.csv")
    by_id = {row["source_id"]: row for row in sources}
    problems = []
    for row in sources:
        claimed = row.get("footnote_in")
        mentioned = re.search(r"footnote \[(\d+)\] in ([a-z0-9_]+)", row["note"] or "")
        if mentioned and claimed != f"{mentioned[2]} [{mentioned[1]}]":
            problems.append(f"{row['source_id']}: the note cites {mentioned[0]} but footnote_in is '{claimed}'")
        if not claimed:
            continue
        article, number = re.fullmatch(r"([a-z0-9_]+) \[(\d+)\]", claimed).groups()
        notes = seed_footnotes((archive / by_id[article]["archived_copy"]).read_text(encoding="utf-8"))
        body = notes.get(int(number), "")
        if row["title"].lower() not in body.lower():
            problems.append(f"{row['source_id']}: its title is not in footnote [{number}] of {article}: {body[:80]}")
        years = re.findall(r"\((\d{4})\)", body)
        if row["published"] and years and row["published"][:4] not in years:
            problems.append(f"{row['source_id']}: published {row['published']} but footnote [{number}] says {years}")
    return problems


@needs_archive
def test_footnoted_sources_match_their_footnotes(tmp_path):
    assert not footnote_problems(REPO, SEEDS)
    root = copy_module(tmp_path)
    header, rows = rows_of(root / "data" / "sources.csv")
    for row in rows:
        if row["footnote_in"]:
            row["footnote_in"] = row["footnote_in"].replace("[12]", "[11]")
            row["published"] = "2019"
    write_rows(root / "data" / "sources.csv", header, rows)
    problems = footnote_problems(root, SEEDS)
    assert any("the note cites footnote [12]" in p for p in problems), problems
    assert any("title is not in footnote [11]" in p for p in problems), problems
