"""Short verbatim quotations from the sources, shown the same way in the book and in Jupyter.

An excerpt is a row of ``data/excerpts.csv``.  Chapters show one by id, through
``qantar.excerpt("id")`` in a notebook cell or the ``{excerpt}`` directive in a
page; both render with :func:`render_html`, which escapes every value, so a quote
that contains markup is shown as text.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from qantar.data import DataError, load_rows, repository_root
from qantar.sources import Source, sources

ELLIPSIS_PATTERN = re.compile(r"\s*(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*")


@dataclass(frozen=True)
class Excerpt:
    """A quotation with its source; displays itself as a block quotation in Jupyter."""

    excerpt_id: str
    quote: str
    topic: str
    note: str | None
    source: Source

    def _repr_html_(self) -> str:
        return render_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """Jupyter shows the quotation with its source's note; the book links the References page instead."""
        from qantar.mime import STATIC_HTML_MIME_TYPE

        return {
            "text/html": render_html(self),
            "text/plain": str(self),
            STATIC_HTML_MIME_TYPE: {"html": render_html(self, link_source=True)},
        }

    def __str__(self) -> str:
        return f"“{self.quote}” ({self.source.byline}, {self.source.published_label})"


def excerpts(folder=None) -> dict[str, Excerpt]:
    """Every excerpt by id, with its source resolved."""
    by_id = sources(folder)
    return {
        row["excerpt_id"]: Excerpt(
            excerpt_id=row["excerpt_id"],
            quote=row["quote"],
            topic=row["topic"],
            note=row["note"],
            source=by_id[row["source_id"]],
        )
        for row in load_rows("excerpts", folder)
    }


def excerpt(excerpt_id: str, folder=None) -> Excerpt:
    """The excerpt with this id; in a notebook, the returned value displays as the quotation."""
    known = excerpts(folder)
    if excerpt_id not in known:
        close = difflib.get_close_matches(excerpt_id, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise DataError("data/excerpts.csv", f"no excerpt with id '{excerpt_id}'.{hint}")
    return known[excerpt_id]


def render_html(item: Excerpt, *, link_source: bool = False) -> str:
    """The excerpt as a block quotation with author, outlet, date, link and notes; every value escaped.

    With ``link_source`` (the book), the source's note is not repeated under every excerpt: the
    attribution links the source's entry on the References page, which gives it once.
    """
    from qantar.mime import SOURCE_LINK

    source = item.source
    escape = html.escape
    citation = [escape(source.byline)]
    citation.append(f"<cite>{escape(source.title)}</cite>")
    citation.append(escape(source.published_label))
    caption = ", ".join(citation)
    if source.url:
        caption += f' (<a href="{escape(source.url)}" rel="noopener">source</a>)'
    if link_source:
        caption += f' · <a href="{SOURCE_LINK}{escape(source.source_id)}">about this source</a>'
    notes = ""
    for label, text in (("About the source", None if link_source else source.note), ("Note", item.note)):
        if text:
            notes += f'<p class="qantar-excerpt__note"><strong>{label}:</strong> {escape(text)}</p>'
    return (
        f'<figure class="qantar-excerpt" data-excerpt-id="{escape(item.excerpt_id)}" '
        f'data-source-id="{escape(source.source_id)}">'
        f'<blockquote class="qantar-excerpt__quote"><p>{escape(item.quote)}</p></blockquote>'
        f'<figcaption class="qantar-excerpt__attribution">— {caption}</figcaption>'
        f"{notes}</figure>"
    )


def normalise_whitespace(text: str) -> str:
    """Fold every run of whitespace (no-break spaces included) to one space; what quote checks compare."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def quote_parts(quote: str) -> list[str]:
    """The pieces of a quote between its ellipses, whitespace folded."""
    return [part for part in (normalise_whitespace(p) for p in ELLIPSIS_PATTERN.split(quote)) if part]


def find_unmatched_part(quote: str, full_text: str) -> str | None:
    """The first piece of ``quote`` not found, in order, in ``full_text``; None when the quote is verbatim."""
    text = normalise_whitespace(full_text)
    position = 0
    for part in quote_parts(quote):
        found = text.find(part, position)
        if found < 0:
            return part
        position = found + len(part)
    return None


def default_archive() -> Path | None:
    """The folder of archived full texts: ``$QANTAR_SOURCE_ARCHIVE``, else ``../shared/seeds`` if it exists."""
    from qantar.settings import source_archive_setting

    configured = source_archive_setting()
    if configured is not None:
        return configured
    candidate = repository_root().parent / "shared" / "seeds"
    return candidate if candidate.is_dir() else None


@dataclass(frozen=True)
class QuoteProblem:
    excerpt_id: str
    source_id: str
    message: str

    def __str__(self) -> str:
        return (
            f"data/excerpts.csv, excerpt '{self.excerpt_id}' (source '{self.source_id}'), field 'quote': {self.message}"
        )


def verify_quotes(archive: Path, folder=None) -> tuple[list[QuoteProblem], int]:
    """Check every excerpt whose source has an archived copy; return the problems and how many were checked."""
    problems: list[QuoteProblem] = []
    checked = 0
    texts: dict[str, str] = {}
    for item in excerpts(folder).values():
        copy = item.source.archived_copy
        if not copy:
            continue
        path = Path(archive) / copy
        if copy not in texts:
            if not path.is_file():
                problems.append(
                    QuoteProblem(item.excerpt_id, item.source.source_id, f"archived copy {path} is missing")
                )
                continue
            texts[copy] = path.read_text(encoding="utf-8")
        checked += 1
        unmatched = find_unmatched_part(item.quote, texts[copy])
        if unmatched is not None:
            problems.append(
                QuoteProblem(item.excerpt_id, item.source.source_id, f"not verbatim in {copy}: “{unmatched[:80]}”")
            )
    return problems, checked
