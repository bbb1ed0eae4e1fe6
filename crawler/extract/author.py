"""The author field of an article page, layer by layer (crawler/extraction.py reads the page once
and calls `read_author`, then `clean_author_field`): the site's rule, the last right-aligned bold line
of the text (then removed from the body), a byline element, meta / JSON-LD, trafilatura's byline
search; a label or the publisher's own name is never an author.
"""
from __future__ import annotations

import re

from crawler.extract import bylines, signals, titles
from crawler.extract.text import folded, select, text_of


def rule_author(page) -> str | None:
    """The site rule's byline (the last match); dropped from the text with its paragraph when
    it sits inside the text's container."""
    for selector in page.rules.author:
        found = select(page.tree, selector)
        if found:
            element = found[-1]
            text = text_of(element) or None
            block = element
            while block.getparent() is not None and block.getparent() is not page.container \
                    and block.tag not in ("p", "div"):
                block = block.getparent()
            if signals.inside(block, page.container):
                block.drop_tree()
            return text
    return None


def read_author(page) -> None:
    """The site rule; the last right-aligned bold line of the text (the Vietnamese signature,
    then removed from the body); the JSON-LD author when it names people; a byline element
    (next to the headline or right after the text); the meta author; trafilatura's byline
    search. A label ("By", "Tác giả:"),
    a date, an e-mail address or the publisher's own name is never an author."""
    if page.found.author:
        return
    author = rule_author(page) if page.found.extracted_by.get("body") != "rule" else None
    if author:
        page.found.author = author
        page.answer("author", "rule")
        page.blocks = [(t, e) for t, e in page.blocks if folded(t) != folded(author)]
        return
    page.missed("author")
    signed = _bold_line_author(page)
    if signed:
        page.found.author = signed
        page.answer("author", "bold-line")
        return
    meta, publisher = page.meta, page.identities
    last = next((e for _, e in reversed(page.blocks) if e is not None), None)
    text_end = page.container if page.found.extracted_by.get("body") == "rule" else last
    layers = (("jsonld", lambda: meta.jsonld_author),       # the publisher's own statement
              ("family-marker", lambda: bylines.byline(page.tree, page.headline, text_end,
                                                       page.order)),
              ("labelled-byline", lambda: bylines.labelled_byline(page.tree, page.headline,
                                                                  page.order)),
              ("head-line", lambda: _head_name_line(page)),
              (meta.author_by, lambda: _stated_author(meta, publisher)),
              ("byline", lambda: _trafilatura_byline(page)
               if page.found.method == "generic" else None))   # a page of no known site
    for layer, read in layers:
        author = _not_the_account(bylines.clean_author(read(), publisher), meta)
        if author:
            page.found.author = author
            page.answer("author", layer)
            break
    if page.found.author and page.blocks and folded(page.blocks[-1][0]) == folded(page.found.author):
        page.blocks.pop()


def clean_author_field(page) -> None:
    """Whatever layer answered: a leading label cut ("Theo ", "Tác giả: "), and nothing stored
    when what is left is a label, a date or the publisher's own name."""
    if not page.found.author:
        return
    page.found.author = _not_the_account(
        bylines.clean_author(page.found.author, page.identities), page.meta)
    if page.found.author and page.blocks:   # a byline heading the text is not the text
        index = bylines.head_name_line(page.blocks, _scope(page))
        if index is not None and folded(page.blocks[index][0]) == folded(page.found.author):
            del page.blocks[index]
    if not page.found.author:
        page.found.extracted_by.pop("author", None)


def _bold_line_author(page) -> str | None:
    """The last right-aligned bold line of the text (among its last three paragraphs, or right
    after them when trafilatura dropped it), removed from the body."""
    for index in range(len(page.blocks) - 1, max(-1, len(page.blocks) - 4), -1):
        text, element = page.blocks[index]
        if element is not None and bylines.bold_line(element):
            del page.blocks[index]
            return text
    container = page.container
    last = next((e for _, e in reversed(page.blocks) if e is not None), None)
    if container is None:                          # the generic path: trafilatura's lines
        container = page.located
    if container is None:
        return None
    after = [e for e in _after(container, last, page.order) if bylines.bold_line(e)]
    if not after:
        return None
    signed = text_of(after[-1])
    tail = [i for i, (t, _) in enumerate(page.blocks) if folded(t) == folded(signed)]
    if tail and tail[-1] >= len(page.blocks) - 3:
        del page.blocks[tail[-1]]
    return signed


def _not_the_account(author: str | None, meta) -> str | None:
    """None when the name is the site's own social account (twitter:site "@LBCI" -> "LBCI")."""
    if author and meta.site_handle and \
            titles.name_key(author) == titles.name_key(meta.site_handle):
        return None
    return author


def _head_name_line(page) -> str | None:
    """A bold line of names heading the text ("Mathatisi Sebusi/Mohalenyane Phakela"): the
    byline of papers that sign above the text; removed from the body when it answers."""
    index = bylines.head_name_line(page.blocks, _scope(page))
    return re.sub(r"\s*/\s*", ", ", page.blocks[index][0]) if index is not None else None


def _scope(page):
    """Where the text's paragraphs sit: the container, else where trafilatura's text was found."""
    return page.container if page.container is not None else page.located


def _stated_author(meta, publisher) -> str | None:
    """The first meta author (name=author, article:author, itemprop=author) that is a name:
    a page may state its publisher first and the writer after it."""
    for value in dict.fromkeys(v for v in (meta.author, *meta.authors_stated) if v):
        if _not_the_account(bylines.clean_author(value, publisher), meta):
            return value
    return None


def _after(container, last, order) -> list:
    """The <p> and <div> of `container` that come after `last` in document order. When `last`
    is in the container, its own walk (lxml's) says which; else the page's document order."""
    if last is None:
        return list(container.iter("p", "div"))
    if isinstance(last.tag, str):
        found, after = False, []
        for element in container.iter("p", "div", last.tag):
            if element is last:
                found = True
            elif found and element.tag in ("p", "div"):
                after.append(element)
        if found:
            return after
    return [e for e in container.iter("p", "div") if order[e] > order[last]]


def _trafilatura_byline(page) -> str | None:
    """trafilatura's search of the page for a byline (its author XPaths, without its meta); the
    text of a button ("Folgen", "Follow") is not a byline."""
    try:
        from trafilatura.metadata import extract_author
        found = extract_author(page.tree)
    except Exception:      # a library's internals must never break a page's reading
        return None
    return None if bylines.in_control(page.tree, found) else found
