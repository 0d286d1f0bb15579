"""Excerpts: verbatim against the archived articles, rendered escaped with their attribution."""

from __future__ import annotations

import csv
import html as html_module
import shutil
from pathlib import Path

import pytest

from qantar.cli import main as qantar_main
from qantar.excerpts import default_archive, excerpt, excerpts, find_unmatched_part, render_html, verify_quotes

from conftest import REPO

DATA = REPO / "data"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_quote_is_verbatim_in_its_archived_article():
    archive = default_archive()
    if archive is None or not archive.is_dir():
        pytest.skip(
            "SKIPPED the verbatim check: no archive of the articles found "
            "(set QANTAR_SOURCE_ARCHIVE or put shared/seeds beside the checkout)"
        )
    problems, checked = verify_quotes(archive, DATA)
    assert checked >= 5, "no quotation was checked: are the archived_copy names right?"
    assert not problems, "\n".join(map(str, problems))


def test_every_excerpt_resolves_its_source():
    for item in excerpts(DATA).values():
        assert item.source.title


@pytest.mark.parametrize(
    "quote, verbatim",
    [
        ("a stable country", True),
        ("took to the streets … calling for a reduction", True),
        ("calling for a reduction … took to the streets", False),  # parts out of order
        ("took to the streets enmasse", False),
        ("took   to the\nstreets", True),  # whitespace is folded
    ],
)
def test_find_unmatched_part(quote, verbatim):
    text = "It was a stable country. Residents took to the streets en masse, calling for a reduction in prices."
    assert (find_unmatched_part(quote, text) is None) is verbatim


def test_a_changed_quote_is_reported_with_its_id(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    archive = tmp_path / "archive"
    archive.mkdir()
    rows = read_csv(data / "excerpts.csv")
    sources = {r["source_id"]: r for r in read_csv(data / "sources.csv")}
    archived = [row for row in rows if sources[row["source_id"]]["archived_copy"]]
    for row in archived:  # an archive holding exactly the quotes, so only the tampered one fails
        copy = sources[row["source_id"]]["archived_copy"]
        with (archive / copy).open("a", encoding="utf-8") as handle:
            handle.write(row["quote"].replace("…", " ") + "\n")
    tampered = rows[0]
    tampered["quote"] = tampered["quote"].replace("the", "teh", 1)
    with (data / "excerpts.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    problems, checked = verify_quotes(archive, data)
    assert checked == len(archived)
    assert [p.excerpt_id for p in problems] == [tampered["excerpt_id"]]
    assert "not verbatim" in str(problems[0]) and "data/excerpts.csv" in str(problems[0])


def test_render_shows_quote_author_outlet_date_link_and_notes():
    item = excerpt("raia-troops-2500", DATA)
    html = render_html(item)
    assert 'data-excerpt-id="raia-troops-2500"' in html
    assert "<blockquote" in html and "deploying 2,500 (mostly Russian) peacekeeping troops" in html
    assert "RAIA Team" in html and "10 January 2022" in html
    assert item.note and html_module.escape(item.note) in html
    assert html_module.escape(item.source.note) in html
    assert item._repr_html_() == html


def test_markup_in_a_quote_is_shown_as_text(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    with (data / "excerpts.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            ["hostile-quote", "raia2022", '<script>alert("x")</script> & <b>bold</b>', "causes", "<i>note</i>"]
        )
    html = render_html(excerpt("hostile-quote", data))
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_an_unknown_excerpt_suggests_close_ids():
    with pytest.raises(Exception, match="no excerpt with id 'raia-troops-250'. Did you mean: raia-troops-2500"):
        excerpt("raia-troops-250", DATA)


def test_command_line_validates_and_checks_quotes(capsys, tmp_path):
    assert qantar_main(["--data", str(DATA), "validate"]) == 0
    assert "sources" in capsys.readouterr().out
    archive = default_archive()
    if archive is not None:
        assert qantar_main(["--data", str(DATA), "check-quotes", "--archive", str(archive)]) == 0
        assert "0 not verbatim" in capsys.readouterr().out
    assert qantar_main(["--data", str(DATA), "excerpt", "nope"]) == 1
    assert "no excerpt with id 'nope'" in capsys.readouterr().err
