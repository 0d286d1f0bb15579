"""The whole book as one PDF (``make pdf``, :mod:`qantar.pdf`): contents, page numbers, figures, exercises on paper."""

from __future__ import annotations

import re
import struct
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from qantar.downloads import book_chapters, toc_documents
from qantar.exercises.bank import load_bank
from qantar.exercises.render import render_static
from qantar.pdf import (
    Page,
    PdfError,
    PdfFile,
    fix_bookmarks,
    fixed_dates,
    local_id,
    make_pdf,
    page_anchor,
)

# The run on the real book: normally well under a minute on two cores; the limit allows a busy machine.
TIME_LIMIT = 180


def squeeze(text: str) -> str:
    """Text to compare with what a PDF holds: ligatures undone (NFKC), every space left out (a PDF
    line ends where the page did, and a contents line has no space before its page number)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def article_title(path: Path) -> str:
    """The title of a built page, read on its own (not by qantar.pdf): its article's first heading."""
    heading = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article.bd-article h1")
    for link in heading.select("a.headerlink"):
        link.decompose()
    return " ".join(heading.get_text().split())


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


# --------------------------------------------------------------------------- a page read for print (fast)


def fake_site(folder: Path, body: str) -> Path:
    """A built site of two pages, ``index`` and ``chapters/one``, whose article is ``body``."""
    page = (
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="{root}_static/site.css"></head><body>'
        '<nav class="bd-sidebar-primary"><a href="{root}index.html">Home</a></nav>'
        '<article class="bd-article"><section id="top"><h1><span class="section-number">{number}</span>{title}'
        '<a class="headerlink" href="#top">#</a></h1>{body}</section></article></body></html>'
    )
    (folder / "chapters").mkdir(parents=True)
    (folder / "_static").mkdir()
    (folder / "_static" / "site.css").write_text("body { font-family: sans-serif; }", encoding="utf-8")
    (folder / "index.html").write_text(
        page.format(root="", number="", title="The book", body='<p><a href="chapters/one.html#part">Part</a></p>'),
        encoding="utf-8",
    )
    (folder / "chapters" / "one.html").write_text(
        page.format(root="../", number="1. ", title="One", body=body), encoding="utf-8"
    )
    return folder


def practice_of_each_kind() -> dict[str, object]:
    found = {}
    for item in load_bank().values():
        if item.status == "practice":
            found.setdefault(item.kind, item)
    return found


def test_an_exercise_prints_as_a_question_with_room_to_answer_and_nothing_to_click(tmp_path):
    exercises = practice_of_each_kind()
    assert {"choice", "multiple", "number", "order", "match", "code"} <= set(exercises)
    site = fake_site(tmp_path / "html", "".join(render_static(item) for item in exercises.values()))
    page = Page(site, "chapters/one", "Chapters", {"index", "chapters/one"})
    printed = BeautifulSoup(page.markup(), "html.parser")
    assert not printed.select("button, input, select, textarea, form, script"), "a control or a key is left"
    assert "Check" not in printed.get_text()
    assert not printed.select(".qantar-exercise__feedback, .qantar-exercise__key")
    for kind, item in exercises.items():
        section = printed.select_one(f'section[data-exercise-id="{item.id}"]')
        assert section is not None, kind
        text = " ".join(section.get_text().split())
        if kind in ("choice", "multiple"):
            assert len(section.select(".qantar-print-box")) == len(item.options)
            assert ("Tick one box." if kind == "choice" else "Tick every box that applies.") in text
            assert all(option in text for option in item.options)
        elif kind == "number":
            assert section.select(".qantar-print-blank") and "Your answer:" in text
        elif kind == "order":
            assert len(section.select(".qantar-print-blank--short")) == len(item.items)
        elif kind == "match":
            choices = [li.get_text() for li in section.select("ol.qantar-print-choices li")]
            assert sorted(choices) == sorted(set(item.match_options)) and "letter" in text
            assert len(section.select(".qantar-print-blank--short")) == len(item.pairs)
        elif kind == "code":
            assert len(section.select(".qantar-print-line")) >= 3
        if item.hint:  # open on paper: a closed one could not be opened
            assert section.select_one("details.qantar-exercise__hint").has_attr("open")
    assert page.entry.number == "1." and page.entry.title == "One"
    assert page.stylesheets == [("_static/site.css", "")]


def test_links_between_pages_become_links_inside_the_document(tmp_path):
    site = fake_site(
        tmp_path / "html",
        '<p id="part"><a href="#top">up</a> <a href="../index.html">home</a> '
        '<a href="../_downloads/pack.zip">pack</a> <a href="../genindex.html">index</a> '
        '<a href="https://example.org/a">out</a> <label for="part">x</label></p>'
        '<img src="../_images/figure.png" loading="lazy" alt="a figure">',
    )
    page = Page(site, "chapters/one", "", {"index", "chapters/one"})
    printed = BeautifulSoup(page.markup(), "html.parser")
    links = {a.get_text(): a.get("href") for a in printed.find_all("a")}
    assert links["up"] == "#" + local_id("chapters/one", "top")
    assert links["home"] == "#" + page_anchor("index")
    assert links["pack"] is None and links["index"] is None  # paper cannot follow a download
    assert links["out"] == "https://example.org/a"
    assert printed.find(id=local_id("chapters/one", "part")) is not None
    assert printed.find("label")["for"] == local_id("chapters/one", "part")
    image = printed.find("img")
    assert image["src"] == "_images/figure.png" and not image.has_attr("loading")
    assert not printed.select(".headerlink")
    index = Page(site, "index", "", {"index", "chapters/one"})
    assert BeautifulSoup(index.markup(), "html.parser").find("a")["href"] == "#" + local_id("chapters/one", "part")


def test_a_page_missing_from_the_build_is_named(tmp_path):
    site = fake_site(tmp_path / "html", "<p>text</p>")
    with pytest.raises(PdfError, match="chapters/two.html is missing"):
        Page(site, "chapters/two", "", {"chapters/two"})


def tiny_pdf(objects: dict[int, bytes], root: int) -> bytes:
    """A PDF made by hand, with a classic cross-reference table."""
    data = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(data)
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table, size = len(data), max(objects) + 1
    data += b"xref\n0 %d\n0000000000 65535 f \n" % size
    data += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, size))
    data += b"trailer\n<</Size %d\n/Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, table)
    return bytes(data)


def stream(content: bytes, head: bytes = b"") -> bytes:
    return b"<<%s /Length %d>>\nstream\n%s\nendstream" % (head, len(content), content)


CMAP = b"""begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <0048> <0002> <0069> endbfchar
1 beginbfrange <0003> <0004> <0041> endbfrange
endcmap"""


def test_the_pdf_reader_finds_pages_destinations_bookmarks_images_and_text():
    page = b"<</Type /Page /Parent 2 0 R /Resources <</Font <</F1 8 0 R>> /XObject <</X1 10 0 R>>>> /Contents %d 0 R>>"
    data = tiny_pdf(
        {
            1: b"<</Type /Catalog /Pages 2 0 R /Dests 5 0 R /Outlines 6 0 R>>",
            2: b"<</Type /Pages /Count 2 /Kids [3 0 R 4 0 R]>>",
            3: page % 9,
            4: page % 12,
            5: b"<</page-one [4 0 R /XYZ 0 792 0]\n/a#2Db [3 0 R /XYZ 0 792 0]>>",
            6: b"<</Type /Outlines /First 7 0 R /Last 7 0 R /Count 1>>",
            7: b"<</Title (SummarySummary)\n/Dest [4 0 R /XYZ 0 0 0]\n/Parent 6 0 R>>",
            8: b"<</Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /ToUnicode 13 0 R>>",
            9: stream(b"BT /F1 12 Tf 1 0 0 -1 0 10 Tm <00010002> Tj ET BT 1 0 0 -1 0 30 Tm [<0003> -20 <0004>] TJ ET"),
            10: stream(b"", b"/Type /XObject /Subtype /Image /Width 7 /Height 5 /SMask 11 0 R"),
            11: stream(b"", b"/Type /XObject /Subtype /Image /Width 7 /Height 5"),
            12: stream(b"q /X1 Do Q"),
            13: stream(CMAP),
        },
        root=1,
    )
    pdf = PdfFile(data)
    assert pdf.page_count == 2
    assert pdf.destinations() == {"page-one": 2, "a-b": 1}
    assert pdf.outline() == [(1, "SummarySummary", 2)]
    assert pdf.images() == [(7, 5)]  # the transparency mask is not an image of its own
    assert pdf.text() == ["Hi\nAB", ""]
    # Bookmarks get their headings' text, in an incremental update that leaves the first bytes alone.
    fixed = fix_bookmarks(data, ["Summary"])
    assert fixed.startswith(data) and PdfFile(fixed).outline() == [(1, "Summary", 2)]
    assert PdfFile(fixed).destinations() == pdf.destinations()
    assert fix_bookmarks(data, ["Something else"]) == data  # not the same heading: left alone
    with pytest.raises(PdfError):
        PdfFile(b"not a pdf")


def test_the_dates_of_a_pdf_are_fixed_without_moving_a_byte():
    info = b"<</Producer (Skia/PDF m156)\n/CreationDate (D:20261204013731+00'00')\n/ModDate (D:20261204013731+00'00')>>"
    fixed = fixed_dates(info, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert len(fixed) == len(info) and fixed.count(b"(D:20260102030405+00'00')") == 2


# --------------------------------------------------------------------------- printing (browser)


def tiny_book(folder: Path, body: str) -> Path:
    """A book folder with a _toc.yml and a built site of two pages."""
    (folder / "_toc.yml").parent.mkdir(parents=True, exist_ok=True)
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nparts:\n  - caption: Chapters\n    chapters:\n      - file: chapters/one\n",
        encoding="utf-8",
    )
    return fake_site(folder / "_build" / "html", body)


@pytest.mark.browser
def test_printing_is_offline_and_gives_the_same_bytes_twice(tmp_path, browser):
    site = tiny_book(tmp_path / "book", "<p>" + "A line of text. " * 400 + "</p>")
    first = make_pdf(site, tmp_path / "first.pdf", browser=browser)
    second = make_pdf(site, tmp_path / "second.pdf", browser=browser)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.pages == PdfFile(first.path.read_bytes()).page_count >= 4  # cover, contents, two documents
    assert [entry.page for entry in first.entries] == [3, 4]
    foreign = tiny_book(tmp_path / "foreign", '<img src="https://example.org/tracker.png" alt="">')
    with pytest.raises(PdfError, match="example.org"):
        make_pdf(foreign, tmp_path / "foreign.pdf", browser=browser)
    broken = tiny_book(tmp_path / "broken", '<img src="../_images/missing.png" alt="">')
    with pytest.raises(PdfError, match="missing.png"):
        make_pdf(broken, tmp_path / "broken.pdf", browser=browser)


@pytest.mark.book
@pytest.mark.browser
def test_make_pdf_prints_the_whole_book_with_contents_page_numbers_figures_and_exercises(built_book, tmp_path, browser):
    book_folder = built_book.parent.parent
    documents = toc_documents(book_folder / "_toc.yml")
    chapters = book_chapters(book_folder)
    printed = make_pdf(built_book, tmp_path / "qandy-qantar.pdf", browser=browser)
    assert printed.seconds < TIME_LIMIT, f"printing the book took {printed.seconds:.0f} s"
    data = printed.path.read_bytes()
    document = BeautifulSoup(printed.html, "html.parser")
    assert data.startswith(b"%PDF-")
    pdf = PdfFile(data)
    assert pdf.title == "Qandy Qantar: Kazakhstan, January 2022"

    # Pages: a cover, the contents, then every document of _toc.yml on pages of its own, in order.
    assert pdf.page_count == printed.pages
    assert [entry.docname for entry in printed.entries] == documents
    starts = [entry.page for entry in printed.entries]
    assert starts[0] > 2 and starts == sorted(set(starts)), starts
    assert pdf.page_count > starts[-1] and pdf.page_count > 4 * len(chapters)
    destinations = pdf.destinations()
    assert all(destinations[entry.anchor] == entry.page for entry in printed.entries)

    # The contents list: every title of the table of contents with the page it starts on.
    text = pdf.text()
    contents = squeeze("".join(text[1 : starts[0] - 1]))
    assert contents.startswith("Contents")
    for docname, entry in zip(documents, printed.entries):
        title = article_title(built_book / f"{docname}.html")
        assert squeeze(f"{title}{entry.page}") in contents, f"{title} (page {entry.page}) is not in the contents"
        assert squeeze(title) in squeeze(text[entry.page - 1]), f"page {entry.page} does not open with {title}"
    for chapter in chapters:
        assert squeeze(f"{chapter.number}. {chapter.title}") in contents
    # The bookmarks: each document, titled as its heading (not as Chromium laid its lines out).
    top = [title for depth, title, _ in pdf.outline() if depth == 1]
    assert top == ["Contents"] + [entry.label for entry in printed.entries]

    # Figures: every image of the pages (the figures' static PNGs, the notebooks' plots) is in the PDF.
    in_pages = set()
    for docname in documents:
        page = built_book / f"{docname}.html"
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article.bd-article")
        in_pages |= {(page.parent / image["src"]).resolve() for image in article.find_all("img")}
    figures = [path for path in in_pages if path.name.startswith("qantar-figure-")]
    assert len(figures) >= len(chapters) // 2, "the pages have hardly any figure"
    sizes = pdf.images()
    assert len(sizes) >= len(in_pages)
    for path in sorted(in_pages):
        assert png_size(path) in sizes, f"{path.name} is not in the PDF"
    live = document.select(".qantar-figure__live, .qantar-figure__spec")
    assert not live, "a live chart (or its specification) is in the printed document"

    # Excerpts print with their source: the quotation, the author and title, the address of the
    # source (after the excerpt or on its card in the References), each address a link.
    footer = re.compile(rf"\s*{re.escape(pdf.title)}\s*\d+ / \d+\s*$")  # between two pages of an address
    everything = squeeze("".join(footer.sub("", page) for page in text))
    excerpts, addresses = 0, set()
    for docname in documents:
        page = BeautifulSoup((built_book / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
        for excerpt in page.select("figure.qantar-excerpt"):
            excerpts += 1
            for part in excerpt.select(".qantar-excerpt__quote, .qantar-excerpt__attribution cite"):
                assert squeeze(part.get_text()) in everything, f"{docname}: {part.get_text()[:60]} is not printed"
        addresses |= {a["href"] for a in page.select(".qantar-excerpt__attribution a[href^='http']")}
        addresses |= {a["href"] for a in page.select(".qantar-sources a[href^='http']")}
    assert excerpts > 10 and addresses, "no excerpt, or no source with its address"
    for address in addresses:
        assert squeeze(address) in everything, f"{address} is not printed"
        encoded = quote(address, safe=":/?#[]@!$&'()*+,;=%~").encode()  # the PDF holds the address as ASCII
        assert encoded.replace(b"(", b"\\(").replace(b")", b"\\)") in data, f"{address} is not a link in the PDF"
    for link in document.select(".qantar-excerpt__attribution a[href^='#']"):  # "about this source"
        assert document.find(id=link["href"][1:]) is not None, link["href"]

    # A page printed from the browser gets the print styles too.
    page = BeautifulSoup((built_book / f"{chapters[0].docname}.html").read_text(encoding="utf-8"), "html.parser")
    assert [link.get("media") for link in page.select("link[href*='qantar-print.css']")] == ["print"]
    assert (built_book / "_static" / "qantar-print.css").is_file()

    # Exercises: questions with room to answer, and nothing to click.
    buttons = sum(
        (built_book / f"{d}.html").read_text(encoding="utf-8").count('class="qantar-exercise__check"')
        for d in documents
    )
    assert buttons, "the built pages have no Check button, so this test would prove nothing"
    assert not document.select("article button, article input, article select, article form, article script")
    assert not [line for page in text for line in page.splitlines() if line.strip() == "Check"]
    assert document.select(".qantar-print-box") and document.select(".qantar-print-blank")
    assert "Tick one box." in "".join(text) and "Your answer:" in "".join(text)
    assert not re.search(r"\bposition…|choose…", "".join(text))


def test_the_landing_page_links_the_pdf_where_make_pdf_puts_it(built_book):
    """`make pdf` copies the PDF to _downloads/ beside the pages; the landing page's downloads
    link exactly that file."""
    from qantar.downloads import DOWNLOADS
    from qantar.pdf import PDF_NAME

    landing = BeautifulSoup((built_book / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in landing.select("a[href$='.pdf']")]
    assert links == [f"{DOWNLOADS}/{PDF_NAME}"], links
