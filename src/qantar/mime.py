"""What a notebook output tells the book, and the addresses the book fills in for each page.

A displayed object can carry, beside the ``text/html`` that Jupyter shows, a version for the
built book (``STATIC_HTML_MIME_TYPE``, which the book prefers). Inside it, two kinds of
placeholder address stand for what only the book knows; ``qantar.downloads`` replaces them on
each page with relative links:

- ``NOTEBOOK_LINK``: this chapter's notebook (off a chapter: the class pack);
- ``SOURCE_LINK + source_id``: the source's entry on the References page.
"""

from __future__ import annotations

# The book's view of a widget or of an excerpt: {"html": "..."}, already escaped.
STATIC_HTML_MIME_TYPE = "application/vnd.qantar.static-html+json"
NOTEBOOK_LINK = "qantar:chapter-notebook"
SOURCE_LINK = "qantar:source/"


def source_anchor(source_id: str) -> str:
    """The anchor of a source's entry on the References page (``source-<id>``, dashes for underscores)."""
    return "source-" + source_id.replace("_", "-")
