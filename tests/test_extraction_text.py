"""crawler/extract/text.py's fast paths give what the plain definitions give: selectors as
lxml's cssselect finds them, white space folded as `re.sub(r"\\s+", " ", text).strip()`, an
element's text as the join of its itertext(), a short text read only up to its limit, a page
parsed from its UTF-8 bytes as from its text, the window around a headline walked as counted."""
import random
import re
import unicodedata

from lxml.cssselect import CSSSelector

from lxml import etree

from crawler.charset import read_html
from crawler.extract.signals import DocumentOrder
from crawler.extract.text import (clean_text, folded, folded_text_if_short, paragraph_blocks,
                                  select, text_if_short, text_of)
from crawler.extraction import parse_html

PAGE = """<html><head><title>t</title><script>var a = "<p class='tags'>x</p>";</script>
<style>.tags {}</style></head><body>
<div class="Tags">upper case: not the class</div><div class="tagsx">a longer class</div>
<div class=" tags	other ">tabs and spaces<a href="/a">one</a><a href="/b">two</a></div>
<section class="x-tags tags"><p class="right">Body <b>bold</b><i>italic</i> end.</p></section>
<div id="main" class="content"><p>One</p><p>Two <span>three</span></p>loose<br><br>text
<!-- a comment --><p></p><p class="tags">  spaced
   text </p></div><p>Last<script>ignored()</script></p></body></html>"""

SELECTORS = ("div.tags", ".tags", ".tags a", "div.tags a", "p.right", "section.tags p", "*.tags",
             "div#main", "div#main.content p", "div.content > p", "p", "script", "STYLE",
             "a[href='/b']", "div.Tags", "h1.none")


def test_select_finds_what_cssselect_finds():
    tree = parse_html(PAGE)
    for selector in SELECTORS:
        assert select(tree, selector) == CSSSelector(selector, translator="html")(tree), selector


def test_clean_text_is_the_regular_expression_fold():
    def plain(text):
        text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
        return re.sub(r"\s+", " ", text).strip()
    rng = random.Random(7)
    pieces = [" ", "  ", "\n", "\t", "\xa0", "\u2003", "\u200b", "\u3000", "\x1c", "a", "ế",
              "e\u0301", "Hà Nội"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 10)))
        assert clean_text(text) == plain(text), repr(text)


def test_text_of_and_blocks_read_each_element_as_its_itertext():
    tree = parse_html(PAGE)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if next(element.iter("script", "style"), None) is None:
            assert text_of(element) == clean_text(" ".join(element.itertext()))
    main = select(tree, "div#main")[0]
    assert [t for t, _ in paragraph_blocks(main)] == ["One", "Two three", "loose", "text",
                                                       "spaced text"]


LONG_PAGE = PAGE.replace("</body>", "<div class='wrap'><h3>Tin khác</h3><ul>" + "".join(
    f"<li><a href='/{n}'>Bài {n}: công  nhân\xa0và công đoàn…</a> <i>{n}/11</i></li>"
    for n in range(40)) + "</ul><p>e\u0301 — x</p></div></body>")


def test_short_texts_are_the_texts_or_none_when_longer():
    tree = parse_html(LONG_PAGE)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        shown = text_of(element)
        for longest in (0, 5, 12, 40, 200, 5000):
            assert text_if_short(element, longest) == (shown if len(shown) <= longest else None)
            key = folded(shown)
            assert folded_text_if_short(element, longest) == (key if len(key) <= longest
                                                              else None)


def test_a_page_parsed_from_its_utf8_bytes_is_the_tree_of_its_text():
    pages = [LONG_PAGE, "\n  " + LONG_PAGE, "<p>a fragment, é</p>",
             '<html><head><meta charset="windows-1258"></head><body><p>Công đoàn</p></body></html>',
             '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
             "\u00a0<html><body><p>no-break space first</p></body></html>",
             "\x1c<html><body><p>a separator first</p></body></html>"]
    for page in pages:
        decoded = read_html(page.encode("utf-8"), "text/html; charset=utf-8")
        assert decoded.utf8 == page.encode("utf-8") and decoded.text == page
        assert etree.tostring(parse_html(decoded.text, decoded.utf8)) == \
            etree.tostring(parse_html(page)), page[:40]
    # not exactly the text: no bytes to parse
    assert read_html(b"<p>a\x00b</p>").utf8 is None
    assert read_html(b"\xef\xbb\xbf<p>bom</p>").utf8 is None
    assert read_html("<p>Công đoàn</p>".encode("cp1258"), "text/html; charset=windows-1258").utf8 \
        is None


def test_the_window_around_an_element_walked_is_the_window_counted():
    tree = parse_html(LONG_PAGE)
    nodes = list(tree.iter())
    for element in nodes:
        for radius in (0, 1, 3, 40):
            walked = DocumentOrder(tree).around(tree, element, radius)
            counted = DocumentOrder(tree)
            counted[tree]                                   # positions counted first
            assert walked == counted.around(tree, element, radius)
