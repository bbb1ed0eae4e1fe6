"""Text out of HTML elements: NFC, white space folded, paragraphs in page order, CSS selectors
compiled once per process; and the one HTML parser every page is read with (`HTML_PARSER`)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector

# Elements whose text is one paragraph when they hold no other block inside them.
BLOCK_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li figcaption blockquote pre td th div section article dd dt "
    "table thead tbody tfoot tr ul ol dl figure main header footer aside nav".split()
)
SKIP_TAGS = frozenset("script style noscript iframe form button select input textarea svg template"
                      .split())
FILE_NAME = re.compile(r"^[\w\-. ()]+\.(jpe?g|png|gif|webp|bmp|tiff?)$", re.I)


def _html_parser(encoding: str | None = None) -> etree.HTMLParser:
    """lxml.html's parser with every element an `lxml.html.HtmlElement` chosen inside lxml:
    lxml.html's own parser asks a Python function for each element's class (forms, inputs,
    labels get their own), each time an element is touched, a tenth of a page's reading; no
    field reads a form's fields. With `encoding`, for bytes known to be in it."""
    parser = lxml.html.HTMLParser(encoding=encoding)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


HTML_PARSER = _html_parser()
# the same parser for a page's bytes when they are valid UTF-8 (crawler/charset.py's
# Decoded.utf8): the same tree as from their text, without lxml re-encoding the text for libxml2
UTF8_HTML_PARSER = _html_parser("utf-8")


def clean_text(text: str | None) -> str:
    """NFC, non-breaking spaces and runs of white space folded to one space, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text                       # no white space but single inner spaces: as it is
    return " ".join(text.split())         # str.split's white space is the same as re's \s


def text_of(element) -> str:
    """The text an element shows: scripts and styles inside it are not text."""
    if not len(element) and isinstance(element.tag, str) and element.tag not in _CODE:
        return clean_text(element.text)   # no children: its text is all of its itertext()
    if next(element.iter("script", "style"), None) is None:
        return clean_text(" ".join(element.itertext()))
    return clean_text(" ".join(element.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style)]")))


_CODE = frozenset(("script", "style"))


def _shown(element) -> str:
    """" ".join(element.itertext()), without lxml's iterator for an element without children
    (the common paragraph): then its text is all there is."""
    if not len(element):
        return element.text or ""
    return " ".join(element.itertext())


def inline_text(element) -> str:
    """The text of `element` as it is shown: inline elements joined as they are written
    (`<span>LTE-Patent</span>: Samsung` -> 'LTE-Patent: Samsung'), a space at each <br> and
    block; scripts and styles left out."""
    out: list[str] = []
    _inline(element, out)
    return clean_text("".join(out))


def _inline(node, out: list[str]) -> None:     # (a recursive closure would be a cycle)
    if node.text:
        out.append(node.text)
    for child in node:
        if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
            block = child.tag == "br" or child.tag in BLOCK_TAGS
            if block:
                out.append(" ")
            _inline(child, out)
            if block:
                out.append(" ")
        if child.tail:
            out.append(child.tail)


_NOT_WORD = re.compile(r"\W+")


def folded(text: str | None) -> str:
    """For comparing texts: lower case, letters and digits only, single spaces. Remembered for
    texts of up to REMEMBERED characters: the fallbacks compare the same texts many times on a
    page (each element's text with the lines trafilatura kept, link texts with teasers, headings
    with the noise headings), and a site's menus and boxes recur on all its pages (nine in ten
    asked on the "redesign" replay); a page's whole text is not kept (memory)."""
    if text is not None and len(text) > REMEMBERED:
        return _fold(text)
    return _remembered_fold(text)


REMEMBERED = 1000


def _fold(text: str | None) -> str:
    return _NOT_WORD.sub(" ", clean_text(text).lower()).strip()


_remembered_fold = lru_cache(maxsize=4096)(_fold)


def text_if_short(element, longest: int) -> str | None:
    """`text_of(element)`, or None when that is longer than `longest` characters: for "is this
    a short line?" asked of every element near the headline, where text_of of a wrapper would
    read the whole article. See `_if_short`."""
    return _if_short(element, longest, clean_text)


def folded_text_if_short(element, longest: int) -> str | None:
    """`folded(text_of(element))`, or None when that is longer than `longest` characters: for
    "is this element's text one of these phrases?" asked of every element of a page. See
    `_if_short`."""
    return _if_short(element, longest, folded)


def _if_short(element, longest: int, read) -> str | None:
    """read(text_of(element)) when it is at most `longest` characters long, else None, without
    reading all of a long element's text. `read` is clean_text or folded: for both, the reading
    of the first pieces of a text joined with spaces is the start of the reading of the whole
    (a space starts a new word and composes with nothing), so once it is too long, so is the
    whole."""
    if not len(element) and element.tag not in _CODE:
        shown = read(element.text)            # no children: its text is all there is
    elif next(element.iter("script", "style"), None) is not None:
        shown = read(text_of(element))
    else:
        pieces = []
        size = 0
        check = 2 * longest + 64            # raw characters read before the first look
        for piece in element.itertext():
            pieces.append(piece)
            size += len(piece)
            if size > check:
                if len(read(" ".join(pieces))) > longest:
                    return None
                check = 2 * size            # (looked at again only when the text has doubled)
        shown = read(" ".join(pieces))      # text_of: clean_text(" ".join(itertext()))
    return shown if len(shown) <= longest else None


def ascii_letters(text: str | None) -> str:
    """'Báo Lào Cai' -> 'baolaocai': for comparing a name with a host name."""
    text = clean_text(text).lower().replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text.encode("ascii", "ignore").decode())


# cssselect's test of a class, `[@class and contains(@class, 'x') and contains(concat(' ',
# normalize-space(@class), ' '), ' x ')]`, as two predicates one after the other: the same
# elements (no position is asked; without a class attribute the first contains() is false),
# and libxml2 runs the second, costly test only on the elements that passed the first
# (a quarter less time for `div.x`; `*.x` keeps a first [@class] filter, which is faster there).
_CLASS_TEST = re.compile(r"(?<=(\*|[\w-]))\[@class and contains\(@class, '([^']+)'\) and "
                         r"contains\(concat\(' ', normalize-space\(@class\), ' '\), ' \2 '\)\]")


def _split_class_test(match: re.Match) -> str:
    name = match.group(2)
    tests = (f"[contains(@class, '{name}')]"
             f"[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")
    return ("[@class]" if match.group(1) == "*" else "") + tests


@lru_cache(maxsize=2048)
def compiled(selector: str) -> etree.XPath:
    """The CSS selector as an XPath expression, compiled once (cssselect's translation, its
    class tests split as above)."""
    path = CSSSelector(selector, translator="html").path
    return etree.XPath(_CLASS_TEST.sub(_split_class_test, path))


def select(tree, selector: str) -> list:
    """`tree.cssselect(selector)`, with the selector compiled to XPath once per process (not on
    every page: compiling was a tenth of the extraction's time); a bare tag name ("script") is
    lxml's own walk: the same elements in the same order, without an XPath evaluation."""
    tag = _bare_tag(selector)
    if tag:
        return list(tree.iter(tag))
    return compiled(selector)(tree)


@lru_cache(maxsize=2048)
def _bare_tag(selector: str) -> str | None:
    """The tag name a selector is, lower case as cssselect's HTML translator makes it; or None."""
    return selector.lower() if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", selector) else None


def first_match(tree, selectors) -> tuple[object | None, str | None]:
    """(element, text) of the first selector's first match with text, or (None, None)."""
    for selector in selectors:
        for element in select(tree, selector):
            text = text_of(element)
            if text:
                return element, text
    return None, None


def has_text(element) -> bool:
    for text in element.itertext():
        if text and not text.isspace():          # as `text.strip()`, without the copy
            return True
    return False


def paragraph_blocks(container) -> list[tuple[str, object]]:
    """The text of `container` as (paragraph, element) pairs: one per innermost block element,
    in page order. Text directly inside a block that also holds blocks (loose text) is its own
    paragraph, paired with that block. Attributes (image alt, title) are never text."""
    out: list[tuple[str, object]] = []
    _walk_blocks(container, out)
    return out


def _flush(buffer: list[str], element, out: list) -> None:
    text = clean_text(" ".join(buffer))
    if text:
        out.append((text, element))
    buffer.clear()


# A module function, not a closure: a recursive closure is a reference cycle (the function, its
# cell), which kept every page's parsed tree alive until the garbage collector's next pass.
def _walk_blocks(element, out: list) -> None:
    buffer: list[str] = []
    if element.text:
        buffer.append(element.text)
    for child in element:
        tag = child.tag                       # (lxml makes a new string at each .tag)
        if not isinstance(tag, str) or tag in SKIP_TAGS:
            pass
        elif tag in BLOCK_TAGS and _holds_block(child):
            if has_text(child):               # a block of blocks: each one on its own
                if buffer:
                    _flush(buffer, element, out)
                _walk_blocks(child, out)
            else:
                buffer.append(" ".join(child.itertext()))
        elif tag in BLOCK_TAGS:               # an innermost block: its text, read once
            shown = _shown(child)
            if shown and not shown.isspace():
                if buffer:
                    _flush(buffer, element, out)
                text = clean_text(shown) if next(child.iter("script", "style"), None) is None \
                    else text_of(child)
                if text:
                    out.append((text, child))
            else:
                buffer.append(shown)
        elif tag == "br" and _next_is_br(child):
            if buffer:
                _flush(buffer, element, out)   # <br><br>: a paragraph break in text without <p>
        else:
            buffer.append(_shown(child))
        tail = child.tail
        if tail:
            buffer.append(tail)
    if buffer:
        _flush(buffer, element, out)


def _holds_block(element) -> bool:
    """True when a block element is inside `element` (a comment's tag is no string: never in
    BLOCK_TAGS)."""
    for descendant in element.iterdescendants():
        if descendant.tag in BLOCK_TAGS:
            return True
    return False


def _next_is_br(br) -> bool:
    """True when only white space separates this <br> from another <br>."""
    if br.tail and br.tail.strip():
        return False
    following = br.getnext()
    return following is not None and following.tag == "br"


def paragraphs(container) -> list[str]:
    """The paragraphs of `container` (see paragraph_blocks)."""
    return [text for text, _ in paragraph_blocks(container)]


def same_text(a: str | None, b: str | None) -> bool:
    """`a` is `b`, or ends with it (a lead printed after a prefix), ignoring case and punctuation."""
    fa, fb = folded(a), folded(b)
    return bool(fa and fb) and (fa == fb or fa.endswith(fb))
