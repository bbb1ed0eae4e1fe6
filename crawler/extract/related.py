"""Related-link boxes inside an article's text, recognised by what they are, not by class names:
a run of items that are mostly links to the site's own articles, under a heading such as
"Tin liên quan" / "Đọc thêm" / "Xem thêm", or link-only "» headline" lines. None of it is
article text (crawler/extraction.py drops them from the body).
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from crawler.extract.text import folded, text_of


# --- ------------------------------------------------------------

RELATED_HEADING = re.compile(r"^\W*(tin|bài|video)?\s*(liên quan|cùng chủ đề|cùng chuyên mục|"
                             r"đọc thêm|xem thêm|xem tiếp|có thể bạn quan tâm|tin khác|bài viết khác|"
                             r"related|read more|see also|more on this|recommended|also read)\W*$",
                             re.I)


def own_links(element, url: str | None) -> list:
    """The links of `element` that point to pages of the same site (relative, or same host)."""
    host = _host(url or "")
    found = []
    for link in element.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        target = _host(href)
        if not target or not host or target == host or target.endswith("." + host) \
                or host.endswith("." + target):
            found.append(link)
    return found


@lru_cache(maxsize=8192)
def _host(address: str) -> str:
    """The host of a link without "www.", "" for a relative one; remembered, as a site's menus
    and boxes link the same addresses from every page (urlsplit was a third of own_links)."""
    return (urlsplit(address).hostname or "").removeprefix("www.")


def is_link_item(text: str, element, url: str | None) -> bool:
    """A paragraph that is a link to another article of the site and nothing else: '» Headline',
    a list item of a related box (its own text is at most a bullet or a date)."""
    if element is None or len(text) > 300 or element.find(".//a") is None:
        return False
    # the element's links shown in this paragraph (a run of loose text shares its element)
    links = [a for a in own_links(element, url) if text_of(a) and text_of(a) in text]
    if not links:
        return False
    letters = len(re.sub(r"[\W\d_]+", "", text))
    linked = len(re.sub(r"[\W\d_]+", "", " ".join(text_of(a) for a in links)))
    return linked >= 0.8 * letters and letters - linked <= 12


def drop_related(blocks, url: str | None):
    """The text without what points elsewhere: runs of paragraphs that are links to the site's
    other articles, with the short heading that opens them ("Tin liên quan", "Đọc thêm:"), and
    a related heading with nothing after it. Judged by what the blocks are, not class names."""
    out = []
    index = 0
    while index < len(blocks):
        text, element = blocks[index]
        run = index
        while run < len(blocks) and is_link_item(*blocks[run], url):
            run += 1
        if run > index:                      # a run of link items: drop it and its heading
            if out and _opens_box(out[-1][0]):
                out.pop()
            index = run
            continue
        if RELATED_HEADING.match(text) and (index + 1 == len(blocks) or
                                            _links_follow(element, url)):
            index += 1
            continue
        out.append((text, element))
        index += 1
    return out


def drop_related_lines(tree, lines: list[str], url: str | None) -> list[str]:
    """trafilatura's lines without what a related box left in them: a heading that names one
    ("Tin liên quan", "Đọc thêm:", "Related"), and lines that are only links to other articles
    of the site when they come as a box: after such a heading, two or more in a row, or each
    marked with a bullet ("» Headline")."""
    linked = None

    def is_link(line: str) -> bool:
        nonlocal linked
        bare = folded(line)
        if len(bare.split()) < 4 or len(line) > 300:
            return False
        if linked is None:
            linked = {folded(text_of(a)) for a in own_links(tree, url)}
        return bare in linked

    links = [is_link(line) for line in lines]
    out = []
    for index, line in enumerate(lines):
        if RELATED_HEADING.match(line):
            continue
        if links[index] and (BULLET.match(line) or (index > 0 and (links[index - 1] or RELATED_HEADING.match(lines[index - 1])))
                             or (index + 1 < len(lines) and links[index + 1])):
            continue
        out.append(line)
    return out


BULLET = re.compile(r"^\s*[»•►▸▶◆■*+\-–]\s*")


def _links_follow(element, url: str | None) -> bool:
    """The element right after a heading is a box of links to the site's other articles."""
    following = element.getnext() if element is not None else None
    return following is not None and isinstance(following.tag, str) \
        and is_link_item(text_of(following), following, url)


def _opens_box(text: str) -> bool:
    """A short heading that can open a box of links: "Tin liên quan", "Đọc thêm:", "Related"."""
    return bool(RELATED_HEADING.match(text)) or (len(text.split()) <= 6 and text.rstrip()
                                                  .endswith(":"))
