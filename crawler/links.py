"""A listing page's main-content links, without the site's selectors.

A pure function for crawler/discovery/listings.py: the links of a page's main content, not those
of the header, menus, footer, sidebars or boxes of other articles ("Đọc nhiều", "Tin mới", "Tin
liên quan"...). A box is known by its title, a short line BEFORE its links; a "Xem thêm" /
"Tải thêm" button or link after a column's items is a control, not a title, and the column that
holds most of the page's article links is the listing itself, never a side box.
Next pages: crawler/discovery/pagination.py; feeds and sitemaps: crawler/discovery/feeds.py,
sitemaps.py.
"""
from __future__ import annotations

import re
import unicodedata


# --- the page's main content -------------------------------------------------------------------

# Page furniture: never where a listing's articles are.
CHROME_TAGS = {"nav", "aside", "menu"}
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
# class / id words of page furniture (a word of `v2-box-most-read` is `most`, `read`)
CHROME_WORDS = {"nav", "navbar", "navigation", "menu", "submenu", "sidebar", "breadcrumb",
                "breadcrumbs", "footer", "header", "topbar", "masthead", "mostread", "popular",
                "trending", "ticker", "marquee", "social", "share", "advert", "ads", "banner"}
CHROME_PAIRS = {("most", "read"), ("most", "viewed"), ("most", "popular"), ("doc", "nhieu"),
                ("xem", "nhieu"), ("tin", "moi"), ("latest", "news"), ("news", "latest")}
# Titles of boxes of other articles ("most read", "latest", "related"), compared lower-case
# without punctuation: a box under such a heading is not the listing.
BOX_TITLES = ("đọc nhiều", "xem nhiều", "tin đọc nhiều", "tin xem nhiều", "bài đọc nhiều",
              "tin mới", "mới nhất", "tin mới nhất", "tin mới cập nhật", "tin nóng",
              "có thể bạn quan tâm", "bạn có thể quan tâm", "tin liên quan", "bài liên quan",
              "tin cùng chuyên mục", "cùng chuyên mục", "tin khác", "các tin khác", "bài khác",
              "đọc thêm", "xem thêm", "nên xem", "tiêu điểm", "most read", "most popular",
              "most viewed", "latest news", "latest", "related", "trending", "popular")
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BOX_MIN_LINKS = 3


def _words(element) -> list[str]:
    text = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def _plain(text: str) -> str:
    """Lower-case, NFC, punctuation and spaces collapsed: how box titles are compared."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _inside_article(element) -> bool:
    """Inside an `<article>` or `<main>`: a `<header>` there is an item's own header."""
    parent = element.getparent()
    while parent is not None:
        if parent.tag in ("article", "main"):
            return True
        parent = parent.getparent()
    return False


def _is_chrome(element) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in CHROME_TAGS or (element.get("role") or "").lower() in CHROME_ROLES:
        return True
    if tag in ("header", "footer") and not _inside_article(element):
        return True
    words = _words(element)
    if not words or tag in ("body", "html", "main", "article"):
        return False
    if CHROME_WORDS.intersection(words) and not _inside_article(element):
        return True
    return any((a, b) in CHROME_PAIRS for a, b in zip(words, words[1:]))


def _is_control(element) -> bool:
    """A button or a link, or a line holding one ("Xem thêm", "Tải thêm", "Đọc thêm" under a
    column of items): it does something, it does not name a box."""
    if element.tag in ("a", "button") or element.xpath(".//button | .//a[@href] | "
                                                          ".//input[@type='button']"):
        return True
    return any(ancestor.tag in ("a", "button") for ancestor in element.iterancestors())


def _box_title(element) -> bool:
    """A heading (or a short title line without a link or button) that names a box of other
    articles."""
    if element.tag not in HEADING_TAGS and element.tag not in ("div", "span", "p", "strong", "b"):
        return False
    if element.tag == "h1":
        return False                    # the page's own title ("Tin mới nhất" as a section)
    text = _plain(element.text_content())
    if not text or len(text) > 40:
        return False
    if element.tag not in HEADING_TAGS and (len(element) > 1 or _is_control(element)):
        return False
    if element.tag in HEADING_TAGS and element.xpath(".//button") or \
            any(ancestor.tag in ("a", "button") for ancestor in element.iterancestors()):
        return False
    return any(text == title or text.startswith(title + " ") for title in BOX_TITLES)


def _most_of(items, hrefs, is_article, articles_in_scope: int, total: int) -> bool:
    """Do these elements together hold most of the page's links (its article links, when
    `is_article` tells them apart)? Then they are the listing, not a box."""
    urls = [u for item in items for u in hrefs(item)]
    if is_article and articles_in_scope >= BOX_MIN_LINKS:
        return len({u for u in urls if is_article(u)}) > articles_in_scope / 2
    return len(urls) > total / 2


def _page_wrapper(element, scope) -> bool:
    """The page itself (or its main area), not a box in it."""
    return element is None or element is scope or element.tag in ("body", "main", "html") or \
        (element.get("role") or "").lower() == "main"


def main_content_links(response, is_article=None) -> list[str]:
    """The absolute URLs of the links in the page's main content, in page order: `<main>` (or
    `[role=main]`) when the page has one, without header, nav, footer, asides, menus,
    breadcrumbs and boxes titled "Đọc nhiều", "Tin mới", "Tin liên quan"... (see the lists
    above). A title counts only with the box's links after it (a "Xem thêm" line closing a
    column names nothing). `is_article(url)`, when given, tells article links apart: a block
    holding most of them is the listing's own column, never dropped as a side box. The caller
    keeps those that are article URLs of the site."""
    root = response.selector.root
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root
    mains = body.xpath(".//main | .//*[@role='main']")
    scope = mains[0] if len(mains) == 1 else body
    total = len(scope.xpath(".//a[@href]")) or 1
    order = {element: i for i, element in enumerate(scope.iter())}

    joined: dict[str, str] = {}     # href -> absolute URL (a link is asked for by each box around it)

    def hrefs(element) -> list[str]:
        return [joined[h] if h in joined else joined.setdefault(h, response.urljoin(h.strip()))
                for h in element.xpath(".//a/@href")]

    articles_in_scope = len({u for u in hrefs(scope) if is_article(u)}) if is_article else 0

    def most_links(element) -> bool:      # a wrapper of the whole page is not page furniture
        if len(element.xpath(".//a[@href]")) > total / 2:
            return True
        if articles_in_scope >= BOX_MIN_LINKS:       # the listing's own column
            return len({u for u in hrefs(element) if is_article(u)}) > articles_in_scope / 2
        return False

    def links_after(title, box) -> int:   # a title heads the links that follow it
        return len({a.get("href") for a in box.iter("a")
                    if a.get("href") and order.get(a, -1) > order[title]})

    excluded = set()
    for element in scope.iter():
        if not isinstance(element.tag, str) or element in excluded:
            continue
        if element is not scope and _is_chrome(element):
            if element.tag in CHROME_TAGS or not most_links(element):
                excluded.add(element)
        elif _box_title(element):
            box = element.getparent()       # the box the title heads
            if box is None or links_after(element, box if not _page_wrapper(box, scope)
                                          else scope) == 0:
                continue                    # nothing after it: a closing line, not a title
            if _page_wrapper(box, scope) or most_links(box):
                excluded.add(element)       # title and items loose in the page: up to the next
                items = []                  # heading, unless they are the listing itself
                for sibling in element.itersiblings():
                    if sibling.tag in HEADING_TAGS:
                        break
                    items.append(sibling)
                if not any(most_links(item) for item in items) and not _most_of(
                        items, hrefs, is_article, articles_in_scope, total):
                    excluded.update(items)
            elif len(set(box.xpath(".//a/@href"))) >= BOX_MIN_LINKS:
                excluded.add(box)           # (fewer: a "Xem thêm" line of one listing item)
    links = []
    for anchor in scope.iter("a"):
        if any(ancestor in excluded for ancestor in [anchor, *anchor.iterancestors()]):
            continue
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
            links.append(response.urljoin(href))
    return links
