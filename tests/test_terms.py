"""Glossary terms linked on their first use: which words count, and where they are never linked."""

from __future__ import annotations

from docutils import nodes
from docutils.core import publish_doctree

from qantar.data import load_rows
from qantar.terms import link_first_uses, term_id

ROWS = load_rows("glossary")


def linked(text: str) -> tuple[list[str], list[nodes.reference]]:
    doctree = publish_doctree(text)
    terms = link_first_uses(doctree, ROWS, "../glossary.html")
    return terms, [node for node in doctree.findall(nodes.reference) if "qantar-term" in node["classes"]]


def test_the_first_use_is_linked_and_the_second_is_not():
    terms, links = linked("The CSTO met on 6 January. The CSTO sent troops.")
    assert terms == ["Collective Security Treaty Organization (CSTO)"]
    assert len(links) == 1 and links[0].astext() == "CSTO"
    assert links[0]["refuri"] == "../glossary.html#" + term_id("Collective Security Treaty Organization (CSTO)")


def test_the_longest_name_wins_and_a_short_form_in_capitals_matches_exactly():
    terms, links = linked("The Collective Security Treaty Organization acted; csto is not a word here.")
    assert [link.astext() for link in links] == ["Collective Security Treaty Organization"]
    terms, links = linked("The Collective Security Treaty of 1992.")
    assert terms == ["Collective Security Treaty"]


def test_other_spellings_and_any_case_for_ordinary_words():
    terms, links = linked("Prices in tenge rose in Mangistau; Nursultan was renamed.")
    assert [link.astext() for link in links] == ["tenge", "Mangistau", "Nursultan"]


def test_a_persons_name_is_not_the_city_named_after_him():
    terms, links = linked("Nursultan Nazarbayev kept his title. The capital, Nursultan, was renamed.")
    assert [link.astext() for link in links] == ["Nursultan"]
    before = links[0].parent[links[0].parent.index(links[0]) - 1].astext()
    assert before.endswith("The capital, "), before


def test_headings_code_and_existing_links_are_never_touched():
    text = "The CSTO\n========\n\nSee ``KNB`` and `Mangystau <https://example.org>`_.\n"
    terms, links = linked(text)
    assert not links and not terms


def test_a_word_that_only_contains_a_term_is_not_linked():
    terms, links = linked("The SCOTUS and the Elbasy-era laws and BRIDGE.")
    assert [link.astext() for link in links] == []
