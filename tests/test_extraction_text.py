"""crawler/extract/text.py's fast paths give what the plain definitions give: selectors as
lxml's cssselect finds them, white space folded as `re.sub(r"\\s+", " ", text).strip()`, an
element's text as the join of its itertext()."""
import random
import re
import unicodedata

from lxml.cssselect import CSSSelector

from crawler.extract.text import clean_text, paragraph_blocks, select, text_of
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
