"""Glossary terms linked on their first use in each chapter.

The first time a chapter's prose uses a term of ``data/glossary.csv`` (its name, the short form
in its brackets, or a Latin-script other spelling), the word links the term's entry on the
Glossary page. Quotations, headings, code, captions and existing links are never touched.
"""

from __future__ import annotations

import re

from docutils import nodes

# A name that is also part of another name: not a use of the term when followed by these words.
NOT_BEFORE = {"Nursultan": " Nazarbayev"}  # the city's old name, not Nursultan Nazarbayev
SKIP = (nodes.title, nodes.reference, nodes.literal, nodes.literal_block, nodes.raw, nodes.caption, nodes.term)


def term_id(term: str) -> str:
    """The anchor of a term on the Glossary page (as ``GlossaryListDirective`` writes it)."""
    return f"term-{nodes.make_id(term)}"


def variants(row: dict) -> list[str]:
    """The words that name a glossary term in English prose."""
    term = row["term"]
    names = []
    main, _, bracket = term.partition(" (")
    names += [part.strip() for part in main.split(" / ")]
    bracket = bracket.rstrip(")")
    if bracket and not bracket.startswith(("Collective Security Treaty", "Bloody")):
        names.append(bracket)
    for spelling in (row.get("other_spellings") or "").split("; "):
        spelling = spelling.strip()
        if spelling and spelling.isascii() and "'" not in spelling and not spelling.startswith("called"):
            names.append(spelling)
    return [name for name in names if len(name) >= 3]


def term_pattern(rows: list[dict]) -> tuple[re.Pattern, dict[str, str]]:
    """One pattern for every variant (longest first, so that a longer name wins) and the term each names.

    Short forms in capitals (CSTO, KNB) match exactly; other names match in any case ("tenge")."""
    owner: dict[str, str] = {}
    for row in rows:
        for name in variants(row):
            owner.setdefault(name.casefold() if not name.isupper() else name, row["term"])
    alternatives = []
    for name in sorted(owner, key=len, reverse=True):
        escaped = re.escape(name)
        guard = next((f"(?!{re.escape(after)})" for word, after in NOT_BEFORE.items() if word.casefold() == name), "")
        alternatives.append((escaped if name.isupper() else f"(?i:{escaped})") + guard)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])"), owner


def link_first_uses(doctree, rows: list[dict], glossary_uri: str) -> list[str]:
    """Link the first use of each term in ``doctree``'s prose; the terms linked, in order."""
    if not rows:
        return []
    pattern, owner = term_pattern(rows)
    linked: list[str] = []
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if any(isinstance(parent, SKIP) for parent in _ancestors(paragraph)):
            continue
        for text in list(paragraph.findall(nodes.Text)):
            if any(isinstance(parent, SKIP) for parent in _ancestors(text)):
                continue
            pieces, position, value = [], 0, str(text)
            for match in pattern.finditer(value):
                name = match[0]
                term = owner.get(name) or owner.get(name.casefold())
                if term is None or term in linked:
                    continue
                linked.append(term)
                pieces.append(nodes.Text(value[position : match.start()]))
                link = nodes.reference(
                    "", name, refuri=f"{glossary_uri}#{term_id(term)}", internal=True, classes=["qantar-term"]
                )
                link["reftitle"] = f"Glossary: {term}"
                pieces.append(link)
                position = match.end()
            if pieces:
                pieces.append(nodes.Text(value[position:]))
                text.parent.replace(text, pieces)
    return linked


def _ancestors(node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def link_terms(app, doctree, docname: str) -> None:
    """Sphinx's doctree-resolved: on each chapter page, link the first use of each glossary term."""
    from qantar.data import data_dir, load_rows

    if not docname.startswith("chapters/") or "glossary" not in app.env.found_docs:
        return
    rows = load_rows("glossary", data_dir())  # the book being built: settings knows it
    uri = "../" * docname.count("/") + app.builder.get_target_uri("glossary")
    link_first_uses(doctree, rows, uri)


def setup(app) -> None:
    app.connect("doctree-resolved", link_terms)
