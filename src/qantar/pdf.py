"""The whole book as one PDF: ``make pdf``, that is ``python -m qantar.pdf _build/html``.

Debian's Chromium prints it, through Playwright, from the built HTML: no TeX, and no network
(every request is answered from the build folder; a request for anything else fails the run).

The pages of ``_toc.yml`` are joined, in its order, into one document: a cover, a contents list
with the page each document starts on, then the article of each page, each on a new page (the
theme's navigation, sidebars, search and buttons stay out). In it

- a figure is its static image (the matplotlib PNG the page also has), not the live chart, with
  its caption and its summary in words (its table of data too with ``--figure-data``: pages of it);
- an excerpt keeps its attribution, and the address of its source is printed;
- an exercise is a question with room to answer: boxes to tick, blanks to fill, lines to write
  on. There is no Check button, no feedback and no key;
- a link between pages becomes a link inside the PDF; a link to a download, which paper cannot
  follow, becomes plain text.

The page numbers of the contents come from the PDF itself: a first printing gives the page each
document starts on (the PDF's named destinations), a second prints them. :class:`PdfFile` reads
what that and the tests need: pages, destinations, bookmarks, images and text.

The print styles are ``static/qantar-print.css``. The book also loads them, for print only, on
every page (``qantar.sphinxext``), so that a page printed from the browser has no dead button either.
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from qantar import __version__
from qantar.downloads import DOWNLOADS, PDF_FILE, toc_documents

STATIC_DIR = Path(__file__).parent / "static"
PRINT_CSS = "qantar-print.css"
PDF_NAME = PDF_FILE
CHROMIUM = "/usr/bin/chromium"
# Headless and offline: no sandbox as root, no GPU, and none of Chromium's own calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--dns-prefetch-disable",
]
# The printed document is served from this address, which never resolves: every request to it is
# answered from the build folder, and a request for any other address is refused and reported.
ORIGIN = "http://qandy-qantar.invalid"
DOCUMENT = "qantar-print-book.html"
PAGE_SETUP = {
    "format": "A4",
    "print_background": True,
    "margin": {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
    "display_header_footer": True,
    "header_template": "<span></span>",
    "outline": True,  # the PDF's bookmarks: every heading
    "tagged": True,  # an accessible PDF: headings, lists, tables and figures with their text
}
FOOTER = (
    '<div style="width:100%;margin:0 16mm;font-size:8pt;font-family:\'DejaVu Sans\',sans-serif;color:#444;'
    'display:flex;justify-content:space-between"><span>{title}</span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)
PRINTINGS = 3  # at most: the second normally confirms the page numbers of the first


class PdfError(Exception):
    """The PDF could not be made: a page missing from the build, a request for another host, a broken image."""


# --------------------------------------------------------------------------- the printed document


@dataclass
class Entry:
    """One document of the book, as the contents list shows it."""

    docname: str
    caption: str  # the caption of its part of _toc.yml ("" for none)
    number: str  # "1." for a numbered chapter, else ""
    title: str
    page: int = 0  # where it starts in the PDF (1-based); 0 until printed

    @property
    def anchor(self) -> str:
        return page_anchor(self.docname)

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}".strip()


@dataclass
class PrintedBook:
    """What :func:`make_pdf` wrote."""

    path: Path
    html: str  # the document Chromium printed
    entries: list[Entry]
    pages: int
    printings: int
    seconds: float


def page_anchor(docname: str) -> str:
    return "page-" + docname.replace("/", "-")


def local_id(docname: str, identifier: str) -> str:
    """An id of a page, made unique in the joined document."""
    return f"{docname.replace('/', '-')}--{identifier}"


def part_captions(toc_file: Path) -> dict[str, str]:
    """Document -> the caption of its part in _toc.yml."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8")) or {}
    captions: dict[str, str] = {}

    def walk(entries, caption: str) -> None:
        for entry in entries or []:
            if "file" in entry:
                captions[str(entry["file"]).removesuffix(".md").removesuffix(".ipynb")] = caption
            walk(entry.get("sections"), caption)

    for part in toc.get("parts") or []:
        walk(part.get("chapters"), str(part.get("caption") or ""))
    return captions


REMOVED = ", ".join(
    [
        "script",
        "button",
        "a.headerlink",
        ".d-print-none",
        ".prev-next-area",
        ".qantar-exercise__feedback",
        ".qantar-exercise__key",
        ".qantar-figure__how",
        ".qantar-figure__live",
        ".qantar-figure__details",
    ]
)
# Attributes that name other elements by id.
ID_LISTS = ("for", "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "headers", "list")
RESOURCE_ATTRIBUTES = ("src", "poster", "data")


class Page:
    """One built page, read for print: its entry in the contents, its article, its style sheets."""

    def __init__(
        self, html_dir: Path, docname: str, caption: str, documents: set[str], *, figure_data: bool = False
    ) -> None:
        from bs4 import BeautifulSoup

        path = html_dir / f"{docname}.html"
        if not path.is_file():
            raise PdfError(f"{path} is missing: build the book first (make book)")
        self.docname, self.documents = docname, documents
        self.soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        self.article = self.soup.select_one("article.bd-article")
        if self.article is None:
            raise PdfError(f"{path} has no <article class='bd-article'>: is it a page of the book?")
        for element in self.article.select(REMOVED):
            element.decompose()
        heading = self.article.find("h1")
        number = heading.select_one(".section-number") if heading else None
        number_text = " ".join(number.get_text().split()) if number else ""
        if number:
            number.extract()
        title = " ".join(heading.get_text().split()) if heading else docname
        if number:
            heading.insert(0, number)
        self.entry = Entry(docname, caption, number_text, title)
        self.stylesheets = [
            (target, link.get("media", ""))
            for link in self.soup.select("head link[rel~=stylesheet][href]")
            if (target := self.url(link["href"], resource=True)) and PRINT_CSS not in target
        ]
        for section in self.article.select("section.qantar-exercise"):
            print_exercise(self.soup, section)
        if not figure_data:
            for alternative in self.article.select(".qantar-figure__alternative"):
                without_data(self.soup, alternative)
        for element in self.article.select("input, select, textarea"):  # any other control: a blank
            element.replace_with(blank(self.soup, "qantar-print-blank"))
        for details in self.article.find_all("details"):
            details["open"] = ""
        for image in self.article.find_all("img"):
            image.attrs.pop("loading", None)  # every image is in the PDF: load it now
        self.relink()

    def url(self, value: str, *, resource: bool) -> str | None:
        """What a URL of this page becomes in the joined document: '#id' for a place in the book, a path
        from the build folder for a file the print needs, the URL itself for another site, or None
        (a download or a page outside the book: nothing paper can follow)."""
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            return value
        if not parts.path:
            return "#" + (local_id(self.docname, parts.fragment) if parts.fragment else page_anchor(self.docname))
        path = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), unquote(parts.path)))
        if path.startswith("../"):
            return None
        if path.endswith(".html") and path.removesuffix(".html") in self.documents:
            target = path.removesuffix(".html")
            return "#" + (local_id(target, parts.fragment) if parts.fragment else page_anchor(target))
        if resource:
            return path + (f"?{parts.query}" if parts.query else "")
        return None

    def relink(self) -> None:
        for element in self.article.find_all(True):
            if element.get("id"):
                element["id"] = local_id(self.docname, element["id"])
            for name in ID_LISTS:
                if element.get(name):
                    value = element[name]
                    tokens = value if isinstance(value, list) else str(value).split()
                    element[name] = " ".join(local_id(self.docname, token) for token in tokens)
            for name in ("href", "xlink:href"):
                if element.get(name) is not None:
                    target = self.url(element[name], resource=element.name not in ("a", "area"))
                    if target is None:
                        del element[name]
                    else:
                        element[name] = target
            for name in RESOURCE_ATTRIBUTES:
                if element.get(name) and (name != "data" or element.name == "object"):
                    element[name] = self.url(element[name], resource=True) or ""
            if element.get("srcset"):
                candidates = []
                for candidate in str(element["srcset"]).split(","):
                    address, _, size = candidate.strip().partition(" ")
                    candidates.append(f"{self.url(address, resource=True) or ''} {size}".strip())
                element["srcset"] = ", ".join(candidates)

    def markup(self) -> str:
        return "".join(str(child) for child in self.article.contents)


def without_data(soup, alternative) -> None:
    """A figure's text alternative without its table of data, which would fill pages: the printed
    figure keeps its caption, its image and the summary in words."""
    tables = alternative.select(".qantar-table-scroll") or alternative.find_all("table")
    if not tables:
        return
    for table in tables:
        table.decompose()
    summary = alternative.find("summary")
    if summary is not None:
        summary.string = "Text description of this figure"
    alternative.append(
        paragraph(soup, "Its data, row by row, are below the chart in the web book.", "qantar-print-note")
    )


def blank(soup, classes: str):
    return soup.new_tag("span", attrs={"class": classes, "aria-hidden": "true"})


def paragraph(soup, text: str, classes: str = "qantar-print-instruction"):
    element = soup.new_tag("p", attrs={"class": classes})
    element.string = text
    return element


def answer_lines(soup, count: int, label: str = "Your answer:"):
    box = soup.new_tag("div", attrs={"class": "qantar-print-lines"})
    box.append(paragraph(soup, label, "qantar-print-lines__label"))
    for _ in range(count):
        box.append(soup.new_tag("span", attrs={"class": "qantar-print-line", "aria-hidden": "true"}))
    return box


INSTRUCTIONS = {
    "choice": "Tick one box.",
    "multiple": "Tick every box that applies.",
    "order": "Number the items in the order asked for: 1 for the first.",
    "match": "Beside each item, write the letter of the one it goes with:",
}


def print_exercise(soup, section) -> None:
    """An exercise as a question on paper: the form's controls become boxes, blanks and lines."""
    kind = section.get("data-kind", "")
    form = section.find("form")
    if form is not None:
        form.name = "div"
        form.attrs = {"class": ["qantar-exercise__form", "qantar-print-answer"]}
        if kind in INSTRUCTIONS:
            form.insert(0, paragraph(soup, INSTRUCTIONS[kind]))
        if kind == "match":
            select = form.find("select")
            choices = soup.new_tag("ol", attrs={"class": "qantar-print-choices", "type": "A"})
            for option in select.find_all("option") if select else []:
                if option.get("value"):
                    item = soup.new_tag("li")
                    item.string = option.get_text()
                    choices.append(item)
            form.insert(1, choices)
    for control in section.find_all("input", attrs={"type": ["radio", "checkbox"]}):
        control.replace_with(blank(soup, "qantar-print-box"))
    for control in section.find_all("select"):
        label = control.find_parent("label")
        control.decompose()
        if label is not None:  # a position or a letter, written before the item
            label.insert(0, blank(soup, "qantar-print-blank qantar-print-blank--short"))
    for control in section.find_all("input"):
        control.replace_with(blank(soup, "qantar-print-blank"))
    for control in section.find_all("textarea"):
        control.replace_with(answer_lines(soup, 4))
    if kind == "code" and section.get("data-status") != "assessed":
        note = section.select_one(".qantar-exercise__note")
        lines = answer_lines(soup, 4, "Your code and its result:")
        if note is not None:
            note.insert_after(lines)
        else:
            section.append(lines)


def merge_stylesheets(pages: list[Page]) -> list[tuple[str, str]]:
    """Every page's style sheets, once each, in the order the pages load them."""
    order: list[tuple[str, str]] = []
    for page in pages:
        previous = None
        for sheet in page.stylesheets:
            if sheet not in order:
                order.insert(order.index(previous) + 1 if previous else len(order), sheet)
            previous = sheet
    return order


def front_matter(index: Page) -> tuple[str, list[str]]:
    """The book's title and the lines of its footer (author, copyright, licence), from the landing page."""
    soup = index.soup
    title = soup.select_one(".logo__title")
    title_text = " ".join(title.get_text().split()) if title else index.entry.title
    lines = []
    for element in soup.select(".component-author, .copyright, .extra_footer"):
        text = " ".join(element.get_text(" ").split())
        if text:
            lines.append(text)
    return title_text, lines


def book_html(title: str, footer_lines: list[str], pages: list[Page], print_css: str) -> str:
    """The joined document: cover, contents (with the pages known so far), then every page's article."""
    escape = html.escape
    links = "\n".join(
        f'<link rel="stylesheet" href="{escape(href)}"' + (f' media="{escape(media)}"' if media else "") + ">"
        for href, media in merge_stylesheets(pages)
    )
    rows, caption = [], None
    for page in pages:
        entry = page.entry
        if entry.caption != caption:
            caption = entry.caption
            if caption:
                rows.append(f'<li class="qantar-print-toc__caption">{escape(caption)}</li>')
        number = f'<span class="qantar-print-toc__number">{escape(entry.number)}</span> ' if entry.number else ""
        rows.append(
            f'<li class="qantar-print-toc__entry"><a href="#{entry.anchor}">{number}'
            f'<span class="qantar-print-toc__title">{escape(entry.title)}</span>'
            f'<span class="qantar-print-toc__leader" aria-hidden="true"></span>'
            f'<span class="qantar-print-toc__page">{entry.page or ""}</span></a></li>'
        )
    footer = "".join(f"<p>{escape(line)}</p>" for line in footer_lines)
    cover = (
        '<section class="qantar-print-cover" aria-label="Cover">'
        f'<p class="qantar-print-cover__title">{escape(title)}</p>'
        '<p class="qantar-print-cover__edition">The printed edition of the web book, '
        f"version {escape(__version__)}.</p>"
        '<p class="qantar-print-cover__note">Its figures are the static images of the interactive charts, '
        "with their data. Its exercises are questions to answer on paper: the web book and the chapter "
        "notebooks check the answers.</p>"
        f'<div class="qantar-print-cover__footer">{footer}</div></section>'
    )
    contents = (
        '<nav class="qantar-print-contents" aria-labelledby="qantar-print-contents-title">'
        '<h1 id="qantar-print-contents-title">Contents</h1>'
        f'<ol class="qantar-print-toc">{"".join(rows)}</ol></nav>'
    )
    documents = "\n".join(
        f'<div class="qantar-print-document bd-content" id="{page.entry.anchor}">'
        f'<div class="bd-article-container"><article class="bd-article">{page.markup()}</article></div></div>'
        for page in pages
    )
    return (
        '<!DOCTYPE html>\n<html lang="en" data-theme="light" data-mode="light">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'  # no request for /favicon.ico
        f"{links}\n<style>\n{print_css}\n</style>\n</head>\n"
        f'<body class="qantar-print-book">\n{cover}\n{contents}\n'
        f'<main class="bd-main">\n{documents}\n</main>\n</body>\n</html>\n'
    )


# --------------------------------------------------------------------------- printing


def read_book(html_dir: Path, toc_file: Path, *, figure_data: bool = False) -> list[Page]:
    """Every page of _toc.yml, in its order, read for print."""
    documents = toc_documents(toc_file)
    captions = part_captions(toc_file)
    known = set(documents)
    return [Page(html_dir, docname, captions.get(docname, ""), known, figure_data=figure_data) for docname in documents]


def fixed_dates(data: bytes, when: datetime) -> bytes:
    """The PDF with its creation and modification dates set to ``when``: the same build prints the
    same bytes. The new date has the length of the old, so that no offset moves."""
    stamp = when.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'").encode()
    return re.sub(rb"(/(?:CreationDate|ModDate) \()D:\d{14}[+\-Z]\d\d'\d\d'(\))", rb"\g<1>" + stamp + rb"\2", data)


def headings(document: str) -> list[str]:
    """The text of every heading of a document, in order: what its bookmarks should say."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(document, "html.parser")
    return [" ".join(h.get_text().split()) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]


def fix_bookmarks(data: bytes, titles: list[str]) -> bytes:
    """The PDF with its bookmarks titled by the headings themselves.

    Chromium makes a bookmark of every heading, but titles it from the heading's lines as laid out:
    the words either side of a line break run together, and a heading that a page break moved has
    some of its lines twice ("SummarySummary"). Each bookmark gets its heading's text when the two
    plainly pair up (one bookmark a heading, in order, each bookmark made of its heading's letters,
    all of them, a few times at most); if they do not, the bookmarks are left as they are.
    """
    from collections import Counter

    pdf = PdfFile(data)
    marks = pdf.bookmarks()
    if len(marks) != len(titles):
        return data
    new = {}
    for (number, _, title, _), heading in zip(marks, titles):
        if title == heading:
            continue
        letters, expected = Counter("".join(title.split())), Counter("".join(heading.split()))
        if expected - letters or letters - expected - expected - expected:
            return data
        new[number] = heading
    return pdf.with_titles(new) if new else data


def make_pdf(
    html_dir: Path | str,
    output: Path | str,
    *,
    toc_file: Path | str | None = None,
    browser=None,
    figure_data: bool = False,
) -> PrintedBook:
    """Print the built book in ``html_dir`` (``<book>/_build/html``) to ``output``.

    ``toc_file`` is the book's ``_toc.yml`` (by default ``<book>/_toc.yml``); ``browser`` a Playwright
    Chromium to use (by default Debian's is started, and stopped at the end). With ``figure_data``
    each figure also prints the table of its data (pages of them), not only its summary.
    """
    started = time.monotonic()
    html_dir = Path(html_dir).resolve()
    output = Path(output)
    toc_file = Path(toc_file) if toc_file else html_dir.parent.parent / "_toc.yml"
    if not (html_dir / "index.html").is_file():
        raise PdfError(f"no built book in {html_dir}: run make book first")
    if not toc_file.is_file():
        raise PdfError(f"{toc_file} is missing: give the book's _toc.yml")
    pages = read_book(html_dir, toc_file, figure_data=figure_data)
    title, footer_lines = front_matter(pages[0])
    print_css = (STATIC_DIR / PRINT_CSS).read_text(encoding="utf-8")
    footer = FOOTER.format(title=html.escape(title))

    if browser is None:
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            raise PdfError(f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps)")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                data, document, printings = _print(chromium, html_dir, pages, title, footer_lines, print_css, footer)
            finally:
                chromium.close()
    else:
        data, document, printings = _print(browser, html_dir, pages, title, footer_lines, print_css, footer)

    built = datetime.fromtimestamp((html_dir / "index.html").stat().st_mtime, UTC)
    data = fix_bookmarks(fixed_dates(data, built), headings(document))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return PrintedBook(
        output,
        document,
        [page.entry for page in pages],
        PdfFile(data).page_count,
        printings,
        time.monotonic() - started,
    )


def _print(browser, html_dir: Path, pages: list[Page], title, footer_lines, print_css, footer):
    """Print until the contents' page numbers are those of the PDF: (pdf, document, printings)."""
    refused: list[str] = []
    missing: list[str] = []
    served = {"document": ""}

    def answer(route) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            refused.append(url)
            route.abort("blockedbyclient")
            return
        path = unquote(urlsplit(url).path).lstrip("/")
        if path == DOCUMENT:
            route.fulfill(body=served["document"], content_type="text/html; charset=utf-8")
            return
        file = (html_dir / path).resolve()
        if file.is_file() and file.is_relative_to(html_dir):
            route.fulfill(path=file)
        else:
            missing.append(path)
            route.fulfill(status=404, body="")

    context = browser.new_context(java_script_enabled=False, viewport={"width": 794, "height": 1123})
    try:
        context.route("**/*", answer)
        page = context.new_page()
        for printing in range(1, PRINTINGS + 1):
            served["document"] = book_html(title, footer_lines, pages, print_css)
            page.goto(f"{ORIGIN}/{DOCUMENT}", wait_until="load", timeout=120_000)
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
            )
            page.evaluate("document.fonts.ready.then(() => true)")
            if refused:
                raise PdfError("the book asked for other hosts (the PDF is made offline): " + ", ".join(refused))
            if missing or broken:
                raise PdfError("files the book needs are missing from the build: " + ", ".join(missing or broken))
            data = page.pdf(footer_template=footer, **PAGE_SETUP)
            starts = PdfFile(data).destinations()
            found = {}
            for item in pages:
                if item.entry.anchor not in starts:
                    raise PdfError(f"the PDF has no destination for {item.entry.docname} ({item.entry.anchor})")
                found[item.entry.docname] = starts[item.entry.anchor]
            if all(item.entry.page == found[item.entry.docname] for item in pages):
                return data, served["document"], printing
            for item in pages:
                item.entry.page = found[item.entry.docname]
        raise PdfError(f"the page numbers of the contents did not settle in {PRINTINGS} printings")
    finally:
        context.close()


# --------------------------------------------------------------------------- reading the PDF


OBJECT = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b\s*")
STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
REFERENCE = rb"\s+(\d+)\s+\d+\s+R"
TOKEN = re.compile(
    rb"\s*(?:(?P<hex><[0-9A-Fa-f\s]*>)|(?P<literal>\((?:\\.|[^\\()])*\))|(?P<name>/[^\s/\[\]<>(){}%]*)"
    rb"|(?P<open>\[)|(?P<close>\])|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+))|(?P<dict><<|>>)"
    rb"|(?P<operator>[A-Za-z'\"*][A-Za-z0-9'\"*]*)|(?P<comment>%[^\r\n]*)|(?P<other>\S))",
    re.S,
)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def pdf_string(token: bytes) -> bytes:
    """The bytes of a PDF string token, ``(literal)`` or ``<hex>``."""
    if token.startswith(b"<"):
        digits = re.sub(rb"\s", b"", token[1:-1])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    body, result, index = token[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index : index + 1]
        if char == b"\\":
            following = body[index + 1 : index + 2]
            octal = re.match(rb"[0-7]{1,3}", body[index + 1 : index + 4])
            if octal:
                result.append(int(octal.group(), 8) & 0xFF)
                index += 1 + len(octal.group())
                continue
            result += ESCAPES.get(following, following)
            index += 2
            continue
        result += char
        index += 1
    return bytes(result)


def text_string(raw: bytes) -> str:
    """A PDF text string: UTF-16 with its byte order mark, else PDFDocEncoding (about Latin-1)."""
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


def balanced(data: bytes, start: int) -> bytes:
    """The dictionary ``<< ... >>`` that starts at ``start``, nested ones and strings included."""
    depth, index = 0, start
    while index < len(data):
        if data.startswith(b"<<", index):
            depth, index = depth + 1, index + 2
        elif data.startswith(b">>", index):
            depth, index = depth - 1, index + 2
            if depth == 0:
                return data[start:index]
        elif data[index : index + 1] == b"<":
            index = data.index(b">", index) + 1
        elif data[index : index + 1] == b"(":
            match = TOKEN.match(data, index)
            index = match.end() if match and match.group("literal") else index + 1
        else:
            index += 1
    return data[start:]


class PdfFile:
    """Just enough of a PDF, as Chromium (Skia) writes it, to check a printed book: its pages, named
    destinations, bookmarks, images and the text of each page. Needs a classic cross-reference table
    (no object streams), which is what Chromium writes."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(b"%PDF-"):
            raise PdfError("not a PDF: it does not start with %PDF-")
        self.data = data
        self._offsets = self._cross_references()
        self._objects: dict[int, tuple[bytes, bytes | None]] = {}
        root = re.search(rb"/Root" + REFERENCE, self._trailer)
        if root is None:
            raise PdfError("the PDF's trailer names no catalog")
        self.catalog = self.dictionary(int(root.group(1)))
        self.pages = self._page_tree(self.reference(self.catalog, b"Pages"), set())
        self._page_index = {number: index for index, number in enumerate(self.pages, start=1)}

    # -- objects
    def _cross_references(self) -> dict[int, int]:
        """Object -> offset, from the last cross-reference table back through the earlier ones
        (``/Prev``: an incremental update, as :func:`fix_bookmarks` writes)."""
        found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", self.data)
        if found is None:
            raise PdfError("the PDF has no startxref: it is cut short")
        offsets: dict[int, int] = {}
        header = re.compile(rb"\s*(\d+)\s+(\d+)[ \t]*\r?\n")
        position, seen, self._trailer = int(found.group(1)), set(), b""
        while position not in seen:
            seen.add(position)
            if not self.data.startswith(b"xref", position):
                raise PdfError("the PDF has no classic cross-reference table (unsupported PDF)")
            position += 4
            while match := header.match(self.data, position):
                first, count = int(match.group(1)), int(match.group(2))
                position = match.end()
                for number in range(first, first + count):
                    entry = self.data[position : position + 20]
                    if entry[17:18] == b"n":
                        offsets.setdefault(number, int(entry[:10]))
                    position += 20
            start = self.data.find(b"trailer", position)
            end = self.data.find(b"startxref", start)
            trailer = self.data[start:end] if start != -1 else b""
            self._trailer = self._trailer or trailer
            previous = re.search(rb"/Prev\s+(\d+)", trailer)
            if previous is None:
                break
            position = int(previous.group(1))
        return offsets

    def with_objects(self, replaced: dict[int, bytes]) -> bytes:
        """The file with new contents for some objects, as an incremental update: the new objects,
        a cross-reference table for them and a trailer are appended, and nothing before them moves."""
        update = bytearray(self.data if self.data.endswith(b"\n") else self.data + b"\n")
        offsets = {}
        for number, body in sorted(replaced.items()):
            offsets[number] = len(update)
            update += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        table = len(update)
        update += b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % item for item in sorted(offsets.items()))
        keep = b"\n".join(
            match.group()
            for key in (rb"/Size\s+\d+", rb"/Root" + REFERENCE, rb"/Info" + REFERENCE)
            if (match := re.search(key, self._trailer))
        )
        previous = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", self.data).group(1)
        update += b"trailer\n<<%s\n/Prev %s>>\nstartxref\n%d\n%%%%EOF\n" % (keep, previous, table)
        return bytes(update)

    def _object(self, number: int) -> tuple[bytes, bytes | None]:
        if number not in self._objects:
            match = OBJECT.match(self.data, self._offsets[number])
            if match is None or int(match.group(1)) != number:
                raise PdfError(f"object {number} is not where the cross-reference table says")
            start = match.end()
            end = self.data.find(b"endobj", start)
            stream = STREAM.search(self.data, start, end if end != -1 else len(self.data))
            if stream is None:
                self._objects[number] = (self.data[start:end].strip(), None)
            else:
                head = self.data[start : stream.start() + 2]
                length = re.search(rb"/Length\s+(\d+)(\s+\d+\s+R)?", head)
                size = int(length.group(1))
                if length.group(2):
                    size = int(self.dictionary(size).strip())
                raw = self.data[stream.end() : stream.end() + size]
                self._objects[number] = (head, raw)
        return self._objects[number]

    def dictionary(self, number: int) -> bytes:
        """The object's dictionary (or value), as text."""
        return self._object(number)[0]

    def stream(self, number: int) -> bytes:
        """The object's stream, decompressed."""
        head, raw = self._object(number)
        if raw is None:
            return b""
        return zlib.decompress(raw) if b"/FlateDecode" in head else raw

    @staticmethod
    def reference(dictionary: bytes, key: bytes) -> int | None:
        match = re.search(rb"/" + key + REFERENCE, dictionary)
        return int(match.group(1)) if match else None

    def _page_tree(self, number: int | None, seen: set[int]) -> list[int]:
        if number is None or number in seen:
            return []
        seen.add(number)
        node = self.dictionary(number)
        if re.search(rb"/Type\s*/Pages\b", node):
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", node)
            refs = re.findall(rb"(\d+)\s+\d+\s+R", kids.group(1)) if kids else []
            return [page for kid in refs for page in self._page_tree(int(kid), seen)]
        return [number] if re.search(rb"/Type\s*/Page\b", node) else []

    # -- what a test of a printed book reads
    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def title(self) -> str:
        info = self.reference(self._trailer, b"Info")
        match = self._title_token(self.dictionary(info)) if info else None
        return text_string(pdf_string(match.group().strip())) if match else ""

    def destinations(self) -> dict[str, int]:
        """Named destination (an id linked to in the document) -> its page (1-based)."""
        where = self.reference(self.catalog, b"Dests")
        if where is None:
            return {}
        found = {}
        pattern = rb"/((?:[^\s/\[\]<>(){}%#]|#[0-9A-Fa-f]{2})+)\s*\[" + rb"\s*(\d+)\s+\d+\s+R"
        for match in re.finditer(pattern, self.dictionary(where)):
            name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
            if int(match.group(2)) in self._page_index:
                found[name.decode("utf-8", errors="replace")] = self._page_index[int(match.group(2))]
        return found

    def outline(self) -> list[tuple[int, str, int]]:
        """The bookmarks: (depth from 1, title, page), in order."""
        return [(depth, title, page) for _, depth, title, page in self.bookmarks()]

    def bookmarks(self) -> list[tuple[int, int, str, int]]:
        """The bookmarks with their objects: (object, depth from 1, title, page), in order."""
        found: list[tuple[int, int, str, int]] = []
        outlines = self.reference(self.catalog, b"Outlines")

        def walk(number: int | None, depth: int) -> None:
            seen = set()
            while number is not None and number not in seen:
                seen.add(number)
                node = self.dictionary(number)
                title = self._title_token(node)
                page = re.search(rb"/Dest\s*\[\s*(\d+)\s+\d+\s+R", node)
                found.append(
                    (
                        number,
                        depth,
                        text_string(pdf_string(title.group().strip())) if title else "",
                        self._page_index.get(int(page.group(1)), 0) if page else 0,
                    )
                )
                walk(self.reference(node, b"First"), depth + 1)
                number = self.reference(node, b"Next")

        if outlines is not None:
            walk(self.reference(self.dictionary(outlines), b"First"), 1)
        return found

    @staticmethod
    def _title_token(dictionary: bytes):
        at = dictionary.find(b"/Title")
        return TOKEN.match(dictionary, at + 6) if at != -1 else None

    def with_titles(self, titles: dict[int, str]) -> bytes:
        """The file with new titles for some bookmarks (object -> title)."""
        replaced = {}
        for number, title in titles.items():
            node = self.dictionary(number)
            token = self._title_token(node)
            encoded = b"<FEFF" + title.encode("utf-16-be").hex().upper().encode() + b">"
            replaced[number] = node[: token.start()] + b" " + encoded + node[token.end() :]
        return self.with_objects(replaced)

    def images(self) -> list[tuple[int, int]]:
        """(width, height) in pixels of every image in the file, their transparency masks left out."""
        heads = {number: self.dictionary(number) for number in self._offsets}
        masks = {int(n) for head in heads.values() for n in re.findall(rb"/SMask" + REFERENCE, head)}
        sizes = []
        for number, head in sorted(heads.items()):
            if number not in masks and re.search(rb"/Subtype\s*/Image\b", head):
                width = re.search(rb"/Width\s+(\d+)", head)
                height = re.search(rb"/Height\s+(\d+)", head)
                sizes.append((int(width.group(1)) if width else 0, int(height.group(1)) if height else 0))
        return sizes

    def _resources(self, dictionary: bytes) -> bytes:
        number = self.reference(dictionary, b"Resources")
        if number is not None:
            return self.dictionary(number)
        start = dictionary.find(b"/Resources")
        return balanced(dictionary, dictionary.find(b"<<", start)) if start != -1 else b""

    def _named(self, resources: bytes, kind: bytes) -> dict[bytes, int]:
        """The /Font or /XObject names of a resource dictionary -> their objects."""
        start = resources.find(b"/" + kind)
        if start == -1:
            return {}
        rest = resources[start + len(kind) + 1 :]
        indirect = re.match(REFERENCE, rest)
        body = self.dictionary(int(indirect.group(1))) if indirect else balanced(rest, rest.find(b"<<"))
        return {name: int(number) for name, number in re.findall(rb"/([^\s/<>\[\]()]+)" + REFERENCE, body)}

    def _cmap(self, font: int) -> tuple[dict[int, str], int]:
        """A font's ToUnicode map (character code -> text) and its code length in bytes."""
        head = self.dictionary(font)
        width = 2 if re.search(rb"/Subtype\s*/Type0\b", head) else 1
        where = self.reference(head, b"ToUnicode")
        mapping: dict[int, str] = {}
        if where is None:
            return mapping, width
        cmap = self.stream(where)

        def text(hex_digits: bytes) -> str:
            return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", errors="replace")

        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for source, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
                mapping[int(source, 16)] = text(target)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[^>]*>|\[[^\]]*\])", block):
                low_code, high_code = int(low, 16), int(high, 16)
                if target.startswith(b"["):
                    for offset, item in enumerate(re.findall(rb"<([0-9A-Fa-f]*)>", target)):
                        mapping[low_code + offset] = text(item)
                else:
                    first = int(target[1:-1], 16)
                    digits = len(target) - 2
                    for offset in range(high_code - low_code + 1):
                        mapping[low_code + offset] = text(f"{first + offset:0{digits}X}".encode())
        return mapping, width

    def _text(self, content: bytes, resources: bytes, depth: int = 0) -> str:
        fonts = self._named(resources, b"Font")
        objects = self._named(resources, b"XObject")
        cmaps: dict[bytes, tuple[dict[int, str], int]] = {}
        pieces: list[str] = []
        operands: list[tuple[str, bytes]] = []
        font: tuple[dict[int, str], int] = ({}, 1)
        line_y: float | None = None
        y = 0.0

        def show(raw: bytes) -> None:
            nonlocal line_y
            mapping, width = font
            if line_y is not None and abs(y - line_y) > 0.01:
                pieces.append("\n")
            line_y = y
            for index in range(0, len(raw) - width + 1, width):
                pieces.append(mapping.get(int.from_bytes(raw[index : index + width], "big"), "\ufffd"))

        for match in TOKEN.finditer(content):
            kind = match.lastgroup
            value = match.group(kind)
            if kind == "operator":
                if value == b"Tf" and len(operands) >= 2 and operands[-2][0] == "name":
                    name = operands[-2][1][1:]
                    if name not in cmaps and name in fonts:
                        cmaps[name] = self._cmap(fonts[name])
                    font = cmaps.get(name, ({}, 1))
                elif value == b"Tm" and len(operands) >= 6:
                    y = float(operands[-1][1])
                elif value in (b"Td", b"TD") and len(operands) >= 2:
                    y += float(operands[-1][1])
                elif value in (b"T*", b"'", b'"'):
                    y += 1.0
                    if value != b"T*" and operands and operands[-1][0] in ("hex", "literal"):
                        show(pdf_string(operands[-1][1]))
                elif value == b"Tj" and operands and operands[-1][0] in ("hex", "literal"):
                    show(pdf_string(operands[-1][1]))
                elif value == b"TJ":
                    for item_kind, item in operands:
                        if item_kind in ("hex", "literal"):
                            show(pdf_string(item))
                        elif item_kind == "number" and float(item) < -250:
                            pieces.append(" ")
                elif value == b"Do" and operands and operands[-1][0] == "name" and depth < 8:
                    number = objects.get(operands[-1][1][1:])
                    if number is not None and re.search(rb"/Subtype\s*/Form\b", self.dictionary(number)):
                        inner = self._resources(self.dictionary(number)) or resources
                        pieces.append(self._text(self.stream(number), inner, depth + 1))
                operands = []
            elif kind in ("open", "close", "comment", "dict"):
                continue
            else:
                operands.append((kind, value))
        return "".join(pieces)

    def page_text(self, page: int) -> str:
        """The text of a page (1-based), in the order it is drawn: one line of the page per line."""
        dictionary = self.dictionary(self.pages[page - 1])
        contents = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)", dictionary)
        numbers = re.findall(rb"(\d+)\s+\d+\s+R", contents.group(1)) if contents else []
        content = b"\n".join(self.stream(int(number)) for number in numbers)
        return self._text(content, self._resources(dictionary))

    def text(self) -> list[str]:
        """The text of every page."""
        return [self.page_text(page) for page in range(1, self.page_count + 1)]


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qantar.pdf", description="Print the built book to one PDF, offline, with Chromium."
    )
    parser.add_argument("html", nargs="?", default="_build/html", help="the built book (default: _build/html)")
    parser.add_argument("--output", "-o", default=f"_build/pdf/{PDF_NAME}", help="the PDF to write")
    parser.add_argument("--toc", help="the book's _toc.yml (default: the one two folders above the HTML)")
    parser.add_argument(
        "--no-site-copy",
        action="store_true",
        help=f"do not copy the PDF to the site's {DOWNLOADS}/{PDF_NAME}, where the landing page links to it",
    )
    parser.add_argument("--figure-data", action="store_true", help="print each figure's table of data too")
    arguments = parser.parse_args(argv)
    try:
        book = make_pdf(arguments.html, arguments.output, toc_file=arguments.toc, figure_data=arguments.figure_data)
    except PdfError as error:
        print(f"qantar.pdf: {error}", file=sys.stderr)
        return 1
    print(
        f"Wrote {book.path}: {book.pages} pages, {len(book.entries)} documents, "
        f"{book.printings} printings, {book.seconds:.0f} s."
    )
    if not arguments.no_site_copy:
        site_copy = Path(arguments.html) / DOWNLOADS / PDF_NAME
        site_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(book.path, site_copy)
        print(f"Copied it to {site_copy}, where the landing page links to it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
