"""Bylines: who wrote an article, read the way a reader sees it (a right-aligned bold line under
the text, a byline element near the headline, a labelled "By X" / "Tác giả: X" line, a line of
names heading the text), and the cleaning every author candidate goes through (labels, the
publisher's own name, dates dragged along are never an author). The layout-independent helpers
it stands on are in crawler/extract/signals.py.
"""
from __future__ import annotations

import html
import re

from lxml import etree

from crawler.extract.dates import date_spans, parse_relative, time_spans
from crawler.extract.signals import (RIGHT, DocumentOrder, _words, is_furniture, near_headline,
                                     nodes_near, words)
from crawler.extract.text import SKIP_TAGS, clean_text, folded, text_if_short, text_of
from crawler.extract.titles import name_key


def bold_line(element) -> bool:
    """A short right-aligned line set in bold: how these papers sign an article."""
    aligned = any(RIGHT.search(n.get("style") or "") or (n.get("align") or "").lower() == "right"
                  or "right" in words(n) for n in (element, *list(element.iterancestors())[:2]))
    if not aligned:
        return False
    text = text_of(element)
    bold = clean_text(" ".join(" ".join(b.itertext()) for b in element.iter("strong", "b")))
    return 0 < len(text) <= 60 and len(text.split()) <= 8 and bold == text


LABEL = (r"(?:(?:commentary|analysis|opinion|kommentar|text|written|posted|reported|story|"
         r"words|photos?|bài(?:\s+và\s+ảnh)?|ảnh|thực hiện)\s+)?"
         r"(?:by|von|par|por|di|door|af|av|tác giả bài viết|tác giả|theo|author|authors|autor|"
         r"auteur|người viết|phóng viên|pv|bài và ảnh|bài|ảnh|nguồn|source|quelle|текст|автор)")
LEADING_LABEL = re.compile(r"^\W*" + LABEL + r"\s*[:.\-–—]?\s+", re.I)
ONLY_LABEL = re.compile(r"^\W*(?:" + LABEL + r"|date published|published|updated|posted|"
                        r"staff|admin|editor|redaktion|redaction|rédaction|ban biên tập|"
                        r"news|nachrichten|noticias|nouvelles|notizie|nieuws|tin tức|"
                        r"red|agenturen|agentur|agencies|agences|agencias|"
                        r"follow|folgen|suivre|seguir|theo dõi|"
                        r"[^\W\d_]+\s+(?:by|von|par))\W*$", re.I)
NOT_A_NAME = re.compile(r"@|https?://|www\.|^\W*(?:foto|photo|ảnh|bild|image|video|credit)s?\b|"
                        r"\bcommented\b", re.I)            # "X commented on": a comment's
# a weekday (and month) left after a byline ("Jeff Foust Monday; November"): the date line's
# start; a month alone may be a name ("Theresa May")
TRAILING_DATE_WORDS = re.compile(
    r"[\s;,|]+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:[\s;,|]+(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december))?\W*$", re.I)


def clean_author(value: str | None, publisher: set[str]) -> str | None:
    """A byline as a name: entities decoded, a leading label cut ("By ", "Tác giả: "); None for a
    label alone, a date, an e-mail or URL, a photo credit, or the publisher's own name."""
    if not value:
        return None
    value = clean_text(html.unescape(value))
    value = LEADING_LABEL.sub("", value).strip(" ,;|-–—:")
    value = TRAILING_DATE_WORDS.sub("", value).strip(" ,;|-–—:")
    if len(value) > 100 and "," in value:            # "Name, professor at ..., site": the name
        value = value.split(",")[0].strip()
    words_of = [w for w in re.split(r"[\s\-]+", value) if w]
    if len(words_of) >= 2 and ONLY_LABEL.match(words_of[-1]) and \
            name_key(" ".join(words_of[:-1])) in publisher:
        return None                                  # "NZZ-Redaktion": the publisher's desk
    if not value or len(value) > 100 or len(value.split()) > 15 or ONLY_LABEL.match(value) \
            or NOT_A_NAME.search(value) or date_spans(value) or time_spans(value) \
            or parse_relative(value, None) \
            or not re.search(r"[^\W\d_]", value):
        return None
    def house(part):
        return name_key(part) in publisher or any(len(p) >= 4 and name_key(part).startswith(p)
                                                  for p in publisher)
    if house(value):
        return None
    parts = [p for p in re.split(r"\s*[,;]\s*", value) if p]
    if len(parts) > 1 and any(house(p) or ONLY_LABEL.match(p) for p in parts):
        # "Jane Roe, CNN", "red, ORF.at, Agenturen": the names, without the house and labels
        return ", ".join(p for p in parts if not (house(p) or ONLY_LABEL.match(p))) or None
    return value


BYLINE_WORDS = frozenset(("author", "byline", "writer", "tacgia"))


def byline(tree, headline, text_end, order: DocumentOrder) -> str | None:
    """A short name in an element whose class names say author / byline (or rel=author), next
    to the headline or right after the text; not a link to the CMS's house account
    ("/author/admin/")."""
    from crawler.extract.meta import house_account
    found = []
    for element in tree.iter(etree.Element):          # (elements only: lxml skips comments)
        get = element.get
        class_, id_, rel = get("class"), get("id"), get("rel")
        if class_ is None and id_ is None and rel is None:
            continue                                   # no class / id words, no rel=
        if not (not _words(class_, id_).isdisjoint(BYLINE_WORDS)
                or (rel or "").lower() == "author") or element.tag in SKIP_TAGS:
            continue
        if any(house_account(a.get("href")) for a in element.iter("a")):
            continue
        text = _without_controls(element, longest=50)
        if text and len(text.split()) <= 6 and not date_spans(text) \
                and not is_furniture(element):
            found.append(element)
    if not found:
        return None
    element = near_headline(found, headline, order)
    if element is None and text_end is not None:       # a signature right after the text
        end = order[text_end] + sum(1 for _ in text_end.iter())
        after = [e for e in found if 0 <= order[e] - end <= 10]
        element = after[0] if after else None
    return _without_controls(element) if element is not None else None


BYLINE_LABEL = re.compile(r"^\W*(?:(?:written|text|texto|words)\s+)?(?:by|von|par|por|di|door|af|av|"
                          r"tác giả|người viết|author|authors|autor|auteur)\s*:?\s+(?=\w)", re.I)
SHELL_TAGS = frozenset(("nav", "footer", "aside", "form", "button", "select", "option", "noscript",
                        "template"))
# boxes that are another page's or the site's, never the article header ("list" is not one: a
# header's facts are often a list)
ELSEWHERE = frozenset("related relate relation lienquan sidebar widget popular mostread footer "
                      "menu nav navigation comment comments teaser teasers promo banner adv ads "
                      "advert recommend suggest".split())


LINE_TAGS = frozenset(("p", "li", "div", "span", "address"))


def labelled_byline(tree, headline, order: DocumentOrder) -> str | None:
    """A short line next to the headline that opens with a byline label ("By Jane Roe",
    "Von: Bill McCarthy, Marisha Goldhamer", "Tác giả: Minh Hà") when no element is marked
    author / byline: the names after the label (not "Theo ..." / "Nguồn": a source, not a
    writer)."""
    if headline is None:
        return None
    found = []
    for element in nodes_near(tree, headline, order):       # near_headline takes no other
        if element.tag not in LINE_TAGS:
            continue
        text = _without_controls(element, longest=80)     # (a wrapper's text is not read)
        if text is None or not 4 < len(text) or not BYLINE_LABEL.match(text):
            continue
        if any(isinstance(d.tag, str) and d.tag in LINE_TAGS
               and BYLINE_LABEL.match(_without_controls(d)) for d in element.iterdescendants()):
            continue                                   # the innermost line that says it
        if any(isinstance(n.tag, str) and (n.tag in SHELL_TAGS or words(n) & ELSEWHERE)
               for n in (element, *element.iterancestors())):
            continue
        found.append(element)
    element = near_headline(found, headline, order)
    if element is None:
        return None
    names = BYLINE_LABEL.sub("", _without_controls(element))
    names = BYLINE_END.split(names)[0]                 # "Jane Roe | 30. Juli 2018": the name
    names = re.sub(r"\s+([,;])", r"\1", names).strip(" ,;")
    return names if names[:1].isupper() else None      # "by an ...": a sentence, not a name


BYLINE_END = re.compile(r"\s+(?:publiziert|veröffentlicht|aktualisiert|publish|published|updated|"
                        r"posted|cập nhật|đăng)\b|\s+(?:on|am|le|el|il|em|ngày)(?:\s|$)|"
                        r"\s*[|•·—–]\s*|\s+\d", re.I)


NAME_WORD = re.compile(r"^(?:[^\W\d_][^\W\d_'’.\-]*\.?)$")
NAME_JOINERS = frozenset("and und et y e và & / , and".split())


def head_name_line(blocks, scope=None) -> int | None:
    """The index of a byline at the head of the text: among its first three paragraphs, one
    set wholly in bold that is only names ("Mathatisi Sebusi/Mohalenyane Phakela", "JOHN
    DOE"), two to eight capitalised words, no digits, no sentence. A paragraph known by its
    text only (trafilatura's lines) is looked up in `scope`."""
    for index, (text, element) in enumerate(blocks[:3]):
        if len(text) > 80:
            continue
        if element is None and scope is not None:
            wanted = folded(text)
            element = next((e for e in scope.iter("p", "div", "h4", "h5", "h6")
                            if folded(text_of(e)) == wanted), None)
        if element is None:
            continue
        bold = clean_text(" ".join(" ".join(b.itertext()) for b in element.iter("strong", "b")))
        if bold != text:
            continue
        tokens = [t for t in re.split(r"\s+|(?=[/,&])|(?<=[/,&])", text) if t]
        people, person = [], []
        for token in tokens + [","]:
            if token.lower() in NAME_JOINERS:
                if person:
                    people.append(person)
                person = []
            else:
                person.append(token)
        # each person two to four capitalised words: "LOOK WHAT YOU MADE ME DO" is a heading
        if people and len(people) <= 4 and all(2 <= len(p) <= 4 for p in people) and \
                all(NAME_WORD.match(t) and t[0].isupper() for p in people for t in p):
            return index
    return None


def in_control(tree, name: str | None) -> bool:
    """`name` is the text of a button (a "Follow" button next to a byline) or of a link to the
    CMS's house account ("/author/admin/"), not a person's name."""
    from crawler.extract.meta import house_account
    wanted = folded(name)
    return bool(wanted) and any(
        folded(text_of(e)) == wanted for e in tree.iter()
        if isinstance(e.tag, str) and (e.tag == "button" or (e.get("role") or "") == "button"
                                       or (e.tag == "a" and house_account(e.get("href")))))


def _without_controls(element, longest: int | None = None) -> str | None:
    """The element's text without what its buttons say; with `longest`, None when that text is
    longer (a long element's text is then not read to its end: text_if_short)."""
    if next(element.iter("button"), None) is None:
        return text_of(element) if longest is None else text_if_short(element, longest)
    text = clean_text(" ".join(element.xpath(".//text()[not(ancestor::button) and "
                                             "not(ancestor::script) and not(ancestor::style)]")))
    return text if longest is None or len(text) <= longest else None
