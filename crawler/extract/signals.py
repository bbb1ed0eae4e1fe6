"""Layout-independent signals the fallbacks read a page with, when a site rule matched nothing.

None of these knows a site's class names: they look at what a reader sees (the headline, a
short date line near it, a paragraph between headline and text, a right-aligned bold line, a box
of teaser links) and at the page's own statements (its description). The title's signals (the
site's name in a title suffix, the element showing the headline) are in crawler/extract/titles.py.
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

from lxml import etree

from crawler.extract.dates import (date_spans, element_date, has_time, parse_date_text,
                                   parse_relative, time_spans)
from crawler.extract.related import own_links
from crawler.extract.text import (BLOCK_TAGS, SKIP_TAGS, clean_text, folded,
                                  folded_text_if_short, text_of)

# Class / id words of page furniture that is never the article's own header or text.
FURNITURE = frozenset(
    "quote pullquote related relate relation lienquan other more sidebar widget popular mostread most footer "
    "menu nav navigation comment comments share sharing social breadcrumb breadcrumbs tags tag "
    "list listing teaser teasers promo banner adv ads advert recommend suggest topbar top-bar "
    "cate category".split())
FURNITURE_TAGS = frozenset(("a", "nav", "footer", "aside", "form", "button", "select", "option",
                            "li", "ul", "ol", "noscript", "template"))
LEAD_WORDS = frozenset("sapo lead summary description desc excerpt intro standfirst chapo "
                       "subtitle subhead deck abstract teaser".split())
RIGHT = re.compile(r"text-align\s*:\s*right", re.I)
STAMP_WINDOW = 40       # elements either side of the headline a date line may sit
BRACKETED = re.compile(r"[(\[]([^()\[\]]{6,40})[)\]]\s*$")    # "Headline (06:00 20/11/2026)"


def words(element) -> frozenset[str]:
    """The words of an element's class and id ("article__sapo" -> {"article", "sapo"})."""
    return _words(element.get("class"), element.get("id"))


_WORD_SEPARATOR = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=4096)
def _words(class_: str | None, id_: str | None) -> frozenset[str]:
    value = f"{class_ or ''} {id_ or ''}".lower()
    return frozenset(_WORD_SEPARATOR.split(value)) - {""}


def is_furniture(element, stop=None) -> bool:
    """True when `element` or an ancestor (below `stop`) is a link, nav, footer, aside, list or a
    box whose class names say related / sidebar / share / tags..."""
    for node in (element, *element.iterancestors()):
        if node is stop:
            return False
        if not isinstance(node.tag, str):
            continue
        if node.tag in FURNITURE_TAGS or words(node) & FURNITURE:
            return True
        if node.tag == "header" and node.getparent() is not None \
                and node.getparent().tag == "body":
            return True            # the site's own header (top bar with today's date)
    return False


def inside(element, container) -> bool:
    return container is not None and any(a is container for a in element.iterancestors())


# --- dates ---------------------------------------------------------------------------------

class DocumentOrder:
    """Position of each element in document order, computed once when first asked."""

    def __init__(self, tree):
        self.tree = tree
        self._index: dict | None = None
        self._nodes: list = []

    def __getitem__(self, element) -> int:
        if self._index is None:
            self._nodes = list(self.tree.iter())
            self._index = dict(zip(self._nodes, itertools.count()))
        return self._index.get(element, -1)

    def around(self, tree, element, radius: int):
        """The nodes of `tree` whose position is within `radius` of `element`'s, in document
        order, as `tree.iter()` would give them now (a node removed since the positions were
        counted is left out): all that `near_headline` can choose among. None when `tree` is
        not the one these positions are of."""
        if tree is not self.tree:
            return None
        if self._index is None and _attached(element, tree):
            # positions not counted yet: the same window, walked from `element` (counting every
            # node of the page cost more than the rest of the search on pages that ask nothing
            # else of the order)
            return _walk_back(element, tree, radius)[::-1] + [element] + \
                _walk_on(element, tree, radius)
        anchor = self[element]
        nodes = self._nodes[max(0, anchor - radius):max(0, anchor + radius + 1)]
        return [node for node in nodes if _attached(node, tree)]


def _walk_back(node, root, count: int) -> list:
    """Up to `count` nodes before `node` in `root.iter()` order, nearest first."""
    found = []
    while len(found) < count and node is not root:
        before = node.getprevious()
        if before is None:
            node = node.getparent()
        else:
            node = before
            while len(node):                # its last descendant comes just before
                node = node[-1]
        found.append(node)
    return found


def _walk_on(node, root, count: int) -> list:
    """Up to `count` nodes after `node` in `root.iter()` order."""
    found = []
    while len(found) < count:
        if len(node):
            node = node[0]
        else:
            while node is not root and node.getnext() is None:
                node = node.getparent()
            if node is root:
                break
            node = node.getnext()
        found.append(node)
    return found


def _attached(node, root) -> bool:
    """`node` is `root` or inside it (not in a subtree dropped from it)."""
    return node is root or any(ancestor is root for ancestor in node.iterancestors())


def _without(text: str, spans) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _stamp_text(element) -> str | None:
    """The text of a short date line at `element`: its own text, or its parent's when the time
    sits in a sibling (`<span>10/03/2021</span> <span>09:00</span>`)."""
    text = text_of(element)
    if len(text) > 80:
        return None
    dates = date_spans(text)
    if not dates:
        return None
    if not time_spans(_without(text, dates)):
        parent = element.getparent()
        if parent is not None:
            around = text_of(parent)
            if len(around) <= 80 and time_spans(_without(around, date_spans(around))):
                text = around
    rest = _without(text, date_spans(text) + time_spans(text))
    if len(re.findall(r"[^\W\d_]{2,}", rest)) > 6:      # a sentence, not a date line
        return None
    return text


def stamp_date(element) -> str | None:
    """The date a stamp element states: a machine-readable attribute with a time, else its
    short date line (`_stamp_text`), else a bare day in an attribute."""
    stated = element_date_attributes(element)
    if has_time(stated):
        return stated
    shown = parse_date_text(_stamp_text(element))
    if shown and stated and shown[:10] == stated and not has_time(shown):
        return stated
    return shown or stated


def element_date_attributes(element) -> str | None:
    """A date in the element's attributes only (title=, datetime=, data-*=, content=)."""
    return element_date(element, shown=False) if element.attrib else None


def in_teaser(element) -> bool:
    """Inside a teaser item: a small box (a few ancestors up) that holds a headline link."""
    node = element
    for _ in range(3):
        node = node.getparent()
        if node is None or node.tag in ("body", "article", "main"):
            return False
        if _longer_than(node, 600):               # (this runs on the rules' path)
            return False
        if any(len("".join(a.itertext()).split()) >= 4 for a in node.iter("a")):
            return True
    return False


def _longer_than(element, limit: int) -> bool:
    """len(element.text_content()) > limit, reading no more of the text than it takes (the
    text_content of an element is the join of its itertext())."""
    size = 0
    for text in element.itertext():
        size += len(text)
        if size > limit:
            return True
    return False


def near_headline(candidates, headline, order: DocumentOrder, container=None, accept=None):
    """The candidate closest to the headline in document order (within STAMP_WINDOW elements,
    before the text's container when it is known), after it on a tie. `accept(candidate)`, a
    further test that costs more, is asked only of candidates in the window."""
    if headline is None or not candidates:
        return None
    anchor = order[headline]
    limit = order[container] if container is not None else None
    best = None
    for element in candidates:
        distance = order[element] - anchor
        if abs(distance) > STAMP_WINDOW or (limit is not None and limit > anchor
                                             and order[element] > limit):
            continue
        if in_teaser(element) or (accept is not None and not accept(element)):
            continue
        key = (abs(distance), distance < 0)
        if best is None or key < best[0]:
            best = (key, element)
    return best[1] if best else None


MARKER_WORDS = frozenset(("date", "time", "datetime", "publish", "published", "pubdate", "posted",
                          "timestamp"))


def nodes_near(tree, headline, order: DocumentOrder):
    """The nodes a stamp next to the headline can be: those within STAMP_WINDOW of it in
    document order (`near_headline` takes no other), not every node of the page."""
    window = order.around(tree, headline, STAMP_WINDOW)
    return tree.iter() if window is None else window


def marker_date(tree, headline, container, order: DocumentOrder) -> str | None:
    """A date in an element whose class names say date / time (a CMS's date marker), in the
    article header: near the headline, not in the text, not in a teaser box."""
    if headline is None:
        return None                                    # (near_headline would choose none)
    found = []
    for el in tree.iter(etree.Element):               # (elements only: lxml skips comments)
        class_, id_ = el.get("class"), el.get("id")
        if (class_ is None and id_ is None) or _words(class_, id_).isdisjoint(MARKER_WORDS) \
                or el.tag in SKIP_TAGS:
            continue                                   # no class / id word of a date marker
        if not inside(el, container) and not is_furniture(el):
            found.append(el)
    dates = {}                                         # a stamp read only near the headline

    def dated(element) -> bool:
        dates[element] = stamp_date(element)
        return bool(dates[element])

    element = near_headline(found, headline, order, container, accept=dated)
    return dates[element] if element is not None else None


def time_element_date(tree, headline, container, order: DocumentOrder) -> str | None:
    """`<time datetime>` in the article header."""
    found = [el for el in tree.iter("time") if el.get("datetime")
             and not inside(el, container) and not is_furniture(el)]
    element = near_headline(found, headline, order, container)
    if element is None:
        return None
    return element_date(element)


def header_stamp(tree, headline, container, order: DocumentOrder) -> str | None:
    """A visible 'DD/MM/YYYY HH:MM' line next to the headline (or a '(HH:MM DD/MM/YYYY)' at the
    end of it); never from the text, a teaser box or the site's header."""
    if headline is None:
        return None
    own = BRACKETED.search(text_of(headline))
    stamped = parse_date_text(own.group(1)) if own else None
    if stamped:
        return stamped
    found = []
    for element in nodes_near(tree, headline, order):
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS:
            continue
        direct = (element.text or "") + " ".join(c.tail or "" for c in element)
        if date_spans(direct) and not inside(element, container) \
                and not is_furniture(element) and _stamp_text(element):
            found.append(element)
    element = near_headline(found, headline, order, container)
    return parse_date_text(_stamp_text(element)) if element is not None else None


def attribute_date(tree, headline, container, order: DocumentOrder) -> str | None:
    """A time held in an attribute next to the headline: `<abbr title="2026-11-20T08:15">`,
    `<span title="20/11/2026 09:00">10 giờ trước</span>`, `data-time="..."`, `itemprop=
    datePublished` on any element (published, never dateModified)."""
    if headline is None:
        return None
    found = []
    for element in nodes_near(tree, headline, order):
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS or not element.attrib \
                or element.tag in ("a", "img", "meta", "link"):
            continue
        if (element.get("itemprop") or "").lower() == "datemodified":
            continue
        if inside(element, container) or is_furniture(element):
            continue
        if has_time(element_date_attributes(element)):
            found.append(element)
    element = near_headline(found, headline, order, container)
    return element_date_attributes(element) if element is not None else None


RELATIVE_ANYWHERE = re.compile(r"\d\s*\w+\s*(?:trước|ago)|hôm qua|hôm nay|yesterday|today|"
                               r"vừa xong|just now", re.I)


def relative_stamp(tree, headline, container, order: DocumentOrder, fetched_at) -> str | None:
    """A relative stamp next to the headline ("15 phút trước", "hôm qua", "3 hours ago"),
    counted back from the fetch time: approximate, the last layer."""
    if headline is None or not RELATIVE_ANYWHERE.search(tree.text_content()):
        return None
    found = []
    for element in nodes_near(tree, headline, order):
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS:
            continue
        direct = clean_text((element.text or "") + " ".join(c.tail or "" for c in element))
        if direct and len(direct) <= 40 and parse_relative(direct, fetched_at) \
                and not inside(element, container) and not is_furniture(element):
            found.append(element)
    element = near_headline(found, headline, order, container)
    return parse_relative(text_of(element), fetched_at) if element is not None else None


# --- lead ----------------------------------------------------------------------------------

def lead_block(tree, headline, body_start, order: DocumentOrder, marked_only: bool):
    """The paragraph a page shows between its headline and its text: (text, element) or None.

    `body_start` is the first element of the text; `marked_only` asks for a block whose class
    names say lead / sapo / summary (the generic path, where an unmarked block may be anything)."""
    if headline is None or body_start is None:
        return None
    start, end = order[headline], order[body_start]
    if not 0 <= start < end:
        return None
    article = _common_ancestor(headline, body_start)   # what holds both is not furniture
    for element in tree.iter("p", "div", "h2", "h3", "section", "span", "strong", "b"):
        position = order[element]
        marked_start = element is body_start and bool(words(element) & LEAD_WORDS)
        if not (start < position < end or marked_start) or position - start > 60:
            continue
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS and d.tag not in ("span",)
               and len(text_of(d)) > 40 for d in element.iterdescendants()):
            continue                  # a wrapper: its inner block is tried on its own
        text = text_of(element)
        if len(text) < 60 or len(text.split()) < 10 or is_furniture(element, article):
            continue
        if any(body_start is a for a in element.iterancestors()):
            continue
        link_chars = sum(len(text_of(a)) for a in element.iter("a"))
        if link_chars > 0.3 * len(text):
            continue
        if marked_only and not any(words(n) & LEAD_WORDS
                                   for n in (element, *list(element.iterancestors())[:2])):
            continue
        return text, element
    return None


def _common_ancestor(a, b):
    mine = {id(x) for x in a.iterancestors()}
    return next((x for x in b.iterancestors() if id(x) in mine), None)


def visible_description(tree, descriptions, strip_prefix, headline=None,
                        order: DocumentOrder | None = None) -> tuple[str, object] | None:
    """The page's meta description as the page shows it: (shown text, element), or None when
    no paragraph of the page holds it (then it is not the article's lead)."""
    wanted = []
    for description in descriptions:
        text = strip_prefix(re.sub(r"(\.\.\.|…)\s*$", "", description or "")).strip()
        if len(text) >= 40:
            wanted.append(folded(text))
    if not wanted:
        return None
    body = tree.find(".//body")
    for element in (body if body is not None else tree).iter("p", "div", "h2", "h3", "span",
                                                             "section", "strong", "em"):
        if any(isinstance(d.tag, str) and d.tag in ("p", "div", "section", "h2", "h3")
               for d in element.iterdescendants()):
            continue
        text = text_of(element)
        if len(text) < 40:
            continue
        shown = folded(strip_prefix(text))
        if headline is not None and (element is headline or inside(headline, element)
                                     or inside(element, headline)):
            continue                  # the headline itself says it: not a lead below it
        if headline is not None and order is not None and \
                order[element] - order[headline] > STAMP_WINDOW + 20:
            continue                  # far below the headline: in the text, not a lead
        if any(shown.startswith(w) and len(shown) <= 1.5 * len(w) + 20 for w in wanted) \
                and not is_furniture(element, _common_ancestor(headline, element)
                                     if headline is not None and words(element) & LEAD_WORDS
                                     else None):
            return strip_prefix(text), element
    return None


# --- body ----------------------------------------------------------------------------------

CONTENT_TAGS = ("p", "li", "td", "blockquote", "h2", "h3", "h4", "h5", "figcaption", "pre", "div")


def locate_container(tree, lines: list[str]):
    """The element that holds most of the text trafilatura found: (container, its first text
    element) or (None, None). Reading that container ourselves keeps image captions, which
    trafilatura drops."""
    wanted = {folded(l): len(l) for l in lines if len(l) >= 30}
    if not wanted:
        return None, None
    longest = max(map(len, wanted))
    matched = []
    loose = []                       # blocks with text runs of their own (<br><br>, no <p>)
    for element in tree.iter(*CONTENT_TAGS):
        direct = (element.text or "") + "".join(c.tail or "" for c in element)
        if len(direct.strip()) >= 30:
            loose.append(element)
        if element.tag == "div" and element.find(".//div") is not None:
            continue
        key = folded_text_if_short(element, longest)   # (None when longer than any line)
        if key in wanted:
            matched.append((element, wanted[key]))
            wanted[key] = 0
    missing = {line: weight for line, weight in wanted.items() if weight}
    if missing and loose:            # lines that are runs of a block's own text
        for element in reversed(loose):          # inner blocks before their wrappers
            if not missing:
                break                                # (every line found: nothing to add)
            whole = folded(text_of(element))
            found = [line for line in missing if line in whole]
            if found:
                matched.append((element, sum(missing.pop(line) for line in found)))
    total = sum(weight for _, weight in matched)
    if not total:
        return None, None
    weights: dict = {}
    depth: dict = {}
    for element, weight in matched:
        for level, ancestor in enumerate(reversed([element, *element.iterancestors()])):
            weights[ancestor] = weights.get(ancestor, 0) + weight
            depth[ancestor] = level
    container = max((a for a, w in weights.items() if w >= 0.75 * total),
                    key=lambda a: depth[a], default=None)
    if container is None or container.tag in ("p", "li", "td", "h2", "h3"):
        container = container.getparent() if container is not None else None
    return container, matched[0][0]


def is_caption(element, container, marked_only: bool = False) -> bool:
    """A caption: in a figure, or in a table / small box that holds an image (`marked_only`:
    a <figcaption> or an element whose class says caption, nothing else)."""
    for node in (element, *element.iterancestors()):
        if node is container:
            return False
        if node.tag == "figcaption" or "caption" in words(node) or \
                (node.tag == "figure" and not marked_only):
            return True
        if not marked_only and node.tag in ("table", "div", "td", "tr") \
                and node.find(".//img") is not None \
                and len(text_of(node)) <= 400:
            return True
    return False


def teaser_texts(tree, url: str | None = None) -> set[str]:
    """Folded texts of teaser items (a headline link to another page of the site and the
    summary after it): what a listing page is made of, and what an article's related boxes
    hold. Links to other sites (a shop, a source) are not teasers."""
    found = set()
    for link in own_links(tree, url):
        title = text_of(link)
        if len(title.split()) < 4:
            continue
        found.add(folded(title))
        holder = link
        while holder.getparent() is not None and holder.getparent().tag in ("h2", "h3", "h4",
                                                                              "h5", "strong"):
            holder = holder.getparent()
        summary = holder.getnext()
        if summary is not None and isinstance(summary.tag, str) and summary.find(".//a") is None \
                and not _amid_text(holder):
            text = text_of(summary)
            if len(text) >= 40:
                found.add(folded(text))
    return found


def _amid_text(holder) -> bool:
    """A link box placed between two paragraphs of running text ("Also on ...": the paragraph
    after it is the article's, not the box's summary): the paragraph before it is long and does
    not itself follow a link (as a teaser's summary would)."""
    before = holder.getprevious()
    if before is None or before.tag != "p" or len(text_of(before)) < 150:
        return False
    earlier = before.getprevious()
    return earlier is None or not (earlier.tag == "a" or earlier.find(".//a") is not None
                                   and len(text_of(earlier)) < 200)
