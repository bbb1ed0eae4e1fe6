"""Extract one article from one HTML page: the single extraction behind crawl, extract, reextract
and check (they all reach it through `crawler.page.read_page`).

`extract_article(html, url, rules, fetched_at, listed_date)` parses the page once and reads each field with one small
function, layer by layer (fundus's "one function per field", with a fallback for every site
assumption, issue 11):

- title:  site rule -> og:title / JSON-LD headline when the page shows it -> the <h1> as shown
          (no kicker, no bracketed stamp) -> the heading-like element that begins the <title>
          -> og:title / <title> without the site's name; entities decoded;
- lead:   site rule -> the block shown between headline and text -> the meta description, only
          when the page shows it; the site's prefix ("(LĐTĐ)", "TTTĐ -", "(NLĐO)-") stripped;
- body:   site rule -> trafilatura (the site's noise pruned), its text read from the element
          that holds it so that image captions and <br><br> runs stay; related-link boxes
          (runs of links to the site's own articles and their heading) out; lead and byline
          never repeated;
- author: site rule -> the last right-aligned bold line of the text -> JSON-LD people -> a
          byline element -> meta -> trafilatura's byline search; a label, a date or the
          publisher's own name is never an author;
- date:   site rule -> page metadata -> the CMS's date marker / <time> / a visible date line /
          a time in an attribute next to the headline -> (none stated) the modified date, the
          feed's or sitemap's date (`listed_date`), htmldate -> a relative stamp counted back
          from `fetched_at`, marked "(approximate)". Every form is read by crawler/extract/
          dates.py; never from the text, never guessed; to the minute where the page shows a
          time.

A site rule is a fast path: when it matches, the fallbacks of that field do not run. Each field
records the layer that answered (`Extracted.extracted_by`) and each declared rule that matched
nothing (`Extracted.rule_missed`). `Extracted.refusal` says a page is positively not an article
(soft 404, video-only, listing, og:type not article); a rule that matched nothing never does.
Without rules (`rules=None`) the page goes through the same fallbacks: the generic path.
"""
from __future__ import annotations

import copy
import html as html_lib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import lxml.html
from lxml import etree
import trafilatura

from crawler.extract import related, signals, titles
from crawler.extract.author import clean_author_field, read_author, rule_author
from crawler.extract.published import read_date
from crawler.extract.meta import PageMeta, page_metadata
from crawler.extract.text import (FILE_NAME, HTML_PARSER, SKIP_TAGS, UTF8_HTML_PARSER,
                                  clean_text, first_match, folded, folded_text_if_short,
                                  inline_text, paragraph_blocks, same_text, select, text_of)

MIN_ARTICLE_CHARS = 200   # shorter bodies are video-only pages, stubs, "not found" pages
NOT_FOUND = re.compile(r"^\W*(?:(?:lỗi|error)\s*)?404\s*(?:$|[-–—|:]|not found|không tìm thấy)|"
                       r"^\W*(?:không tìm thấy|trang không tồn tại|bài viết không tồn tại|"
                       r"page not found|not found)\b", re.I)   # not "404 công nhân được hỗ trợ"
VIDEO_TITLE = re.compile(r"^\s*(video|clip)\b", re.I)
# a source tag that opens a lead: "(NLĐO)-", "(LĐTĐ) ", "(Dân trí) -", "TTTĐ - ", "HNP - "
LEAD_PREFIX = re.compile(r"^\s*(?:\(\s*[A-ZĐ][\w .]{1,24}\)\s*[-–—:]?|[A-ZĐ]{2,8}\s*[-–—])\s*")


@dataclass(frozen=True)
class SiteRules:
    """How to read one site's article pages. Selectors are CSS; the first that matches wins."""
    title: tuple[str, ...] = ()
    sapo: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()          # the LAST match is the byline; removed from the body
    date: tuple[str, ...] = ()            # elements whose joined text holds dd/mm/yyyy [hh:mm]
    tags: tuple[str, ...] = ()
    section: tuple[str, ...] = ()         # the LAST match (deepest breadcrumb) is the section
    noise: tuple[str, ...] = ()           # removed before anything is read
    noise_headings: tuple[str, ...] = ()  # boxes headed by these words are not the text
    sapo_prefix: str | None = None        # regex stripped from the start of the lead
    sapo_is_first_paragraph: bool = False  # the lead is the body's first paragraph (hanoi.gov.vn)
    title_suffix: str | None = None       # regex stripped from the end of the title
    names: tuple[str, ...] = ()           # the site's names, recognised in a title's suffix

    def but(self, **changes) -> "SiteRules":
        """A copy with some fields changed: how a site adjusts its family's rules."""
        return replace(self, **changes)


RULE_FIELDS = ("title", "sapo", "body", "author", "date", "tags", "section")


@dataclass
class Extracted:
    """What one page yields. `is_article` is False for listings, empty or broken pages;
    `refusal` is set only when the page is positively not an article."""
    title: str | None = None
    sapo: str | None = None
    body: str = ""
    author: str | None = None
    published_at: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    canonical_url: str | None = None
    method: str = "site"                  # "site" (the site's rules) or "generic" (none)
    extracted_by: dict[str, str] = field(default_factory=dict)   # field -> layer that answered
    rule_missed: list[str] = field(default_factory=list)        # declared rules that matched nothing
    refusal: str | None = None            # "soft 404", "video-only", "listing page", "og:type ..."
    problems: list[str] = field(default_factory=list)

    @property
    def is_article(self) -> bool:
        """A title and a real body, and not refused."""
        return bool(self.title) and len(self.body) >= MIN_ARTICLE_CHARS and self.refusal is None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "title", "sapo", "body", "author", "published_at", "section", "tags",
            "image_url", "canonical_url", "method", "extracted_by", "rule_missed", "refusal",
            "problems")}


# --- parsing --------------------------------------------------------------------------------

def parse_html(html: str | bytes, utf8: bytes | None = None):
    """The page's tree. `utf8`: the bytes `html` was read from when it is exactly their UTF-8
    reading (crawler/charset.py's Decoded.utf8): parsed as bytes, the same tree a little
    sooner; not when the text opens with an XML declaration (cut from the text) or with white
    space other than ASCII's six (lxml tells a whole document from a fragment by a regex that
    reads a str's white space more widely than bytes')."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise ValueError("empty page")
    text = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    if utf8 is not None and text is html:
        start = html[:256]
        opening = start[:len(start) - len(start.lstrip())]
        if len(opening) < len(start) and not opening.strip(" \t\n\r\f\v"):
            return lxml.html.fromstring(utf8, parser=UTF8_HTML_PARSER)
    return lxml.html.fromstring(text, parser=HTML_PARSER)


class _Reading:
    """One page being read: the tree, its metadata, the rules, and what was found so far."""

    def __init__(self, html: str, url: str | None, rules: SiteRules | None,
                 fetched_at: str | None = None, listed_date: str | None = None,
                 utf8: bytes | None = None):
        self.html = html
        self.url = url
        self.fetched_at = fetched_at      # what a relative stamp counts back from
        self.listed_date = listed_date    # the date the feed / sitemap gave for this URL
        self.tree = parse_html(html, utf8)
        self.meta: PageMeta = page_metadata(self.tree)
        if not url and self.meta.canonical and self.meta.canonical.startswith("http"):
            self.url = self.meta.canonical      # a saved page read without its address
        self.rules = rules or SiteRules()
        self.found = Extracted(method="site" if rules is not None else "generic")
        self.order = signals.DocumentOrder(self.tree)
        self.headline = None              # the element of the headline, when known
        self.container = None             # the element that holds the text, when known
        self.blocks: list[tuple[str, object]] = []   # the text's paragraphs and their elements
        self._h1 = False
        self.listing = False              # the text found is only teaser items
        self.visible: str | None = None   # the page's shown text, folded, when asked
        self.located = None               # where trafilatura's text sits (any path)

    @cached_property
    def identities(self) -> set[str]:
        """Spellings of the site's own name (og:site_name, the JSON-LD publisher, the rules'
        names, the host): never a title, never an author."""
        meta = self.meta
        return titles.site_identities((meta.site_name, meta.publisher, *self.rules.names),
                                       self.url)

    def answer(self, name: str, layer: str | None) -> None:
        if layer:
            self.found.extracted_by[name] = layer

    def missed(self, name: str) -> None:
        if getattr(self.rules, name) and name not in self.found.rule_missed:
            self.found.rule_missed.append(name)

    def first_h1(self):
        if self._h1 is False:
            self._h1 = next((h for h in self.tree.iter("h1") if text_of(h)), None)
        return self._h1

    def strip_prefix(self, text: str | None) -> str:
        """The lead without the site's source prefix: the rule's, else any agency tag that
        opens it ("(NLĐO)-", "(LĐTĐ)", "TTTĐ -", "HNP -")."""
        if text and self.rules.sapo_prefix:
            text = re.sub(r"^\s*(?:" + self.rules.sapo_prefix + r")\s*", "", text)
        if text:
            text = LEAD_PREFIX.sub("", text)
        return clean_text(text)


def extract_article(html: str | bytes, url: str | None = None,
                    rules: SiteRules | None = None, fetched_at: str | None = None,
                    listed_date: str | None = None, utf8: bytes | None = None) -> Extracted:
    """Extract the article on one page. `rules` None means the generic path (no site rules).
    `utf8`: the bytes the text was read from, when it is exactly their UTF-8 reading (parsed
    as they are: see parse_html)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    page = _Reading(html, url, rules, fetched_at, listed_date, utf8)
    for selector in page.rules.noise:
        for element in select(page.tree, selector):
            if element.getparent() is not None:
                element.drop_tree()
    read_title(page)
    read_body(page)
    read_author(page)
    clean_author_field(page)
    read_sapo(page)
    read_date(page)
    read_tags_and_section(page)
    found = page.found
    found.body = "\n\n".join(text for text, _ in page.blocks)
    found.canonical_url = page.meta.canonical
    found.refusal = refusal(page)
    if not found.title:
        found.problems.append("no title")
    if len(found.body) < MIN_ARTICLE_CHARS:
        found.problems.append(f"body too short ({len(found.body)} characters)")
    return found


# --- fields -----------------------------------------------------------------------------------

def read_title(page: _Reading) -> None:
    """The headline as the page shows it: the site rule; the <h1> that is the headline; else the
    heading-like element whose text begins with the page's <title> / og:title (the site's name
    cut: og:site_name, the JSON-LD publisher, the host, or what follows the shown headline);
    else og:title, JSON-LD headline, <title> without the site's name. Entities decoded; a
    bracketed date stamp after the headline is not part of it."""
    rules, meta = page.rules, page.meta
    element, title = first_match(page.tree, rules.title)
    layer = "rule" if title else None
    if title:
        page.headline = element
    else:
        page.missed("title")
        identities = page.identities
        h1 = _headline_h1(page)
        shown = titles.without_stamp(inline_text(h1)) if h1 is not None else None
        stated = [(name, _decoded(value)) for name, value in (
            ("meta", meta.title), ("jsonld", meta.headline), ("title-tag", meta.title_tag))]
        name, value = next(((n, v) for n, v in stated if v), (None, None))
        value = titles.strip_site_suffix(value, identities, shown)
        if value and shown and folded(value).endswith(" " + folded(shown)) and \
                any(value[:m.start()].strip() and folded(value[m.end():]) == folded(shown)
                    for m in titles.SEPARATOR.finditer(value)):
            value = None                       # "Kicker | Headline": the <h1> is the headline
        if value and titles.name_key(value) not in identities and \
                (shown is None or folded(value) != folded(shown)) and _shown_on_page(page, value):
            title, layer = value, name         # the stated headline, shown on the page
            if h1 is None:
                h1 = titles.find_headline(page.tree, title)
        elif shown and value and folded(value) == folded(shown):
            title, layer = value, name         # the same words: as the page states them (no
                                               # spacing left by the layout's <span>s)
        elif shown:
            title, layer = shown, "h1"
        else:
            for name, value in stated:                 # the headline shown, not an <h1>
                element, cut = titles.shown_headline(page.tree, value, identities)
                if element is not None:
                    h1, title, layer = element, cut, "headline"
                    break
            for name, value in stated if not title else ():
                value = titles.strip_site_suffix(value, identities, None)
                if value and titles.name_key(value) not in identities:
                    title, layer = value, name
                    break
        page.headline = h1
    if title and rules.title_suffix:
        title = re.sub(rules.title_suffix + r"\s*$", "", title).strip()
    titles.SITE_SUFFIXES.learn(page.url, meta.title_tag)
    if title and layer != "rule":        # the suffix the site's other pages share
        title = titles.SITE_SUFFIXES.cut(page.url, title)
    page.found.title = title or None
    page.answer("title", layer if title else None)


def _shown_on_page(page: _Reading, text: str) -> bool:
    """`text` is part of what the page shows (not only of its head or scripts)."""
    if page.visible is None:
        body = page.tree.find(".//body")
        parts = []
        for element in (body if body is not None else page.tree).iter():
            if isinstance(element.tag, str) and element.tag not in SKIP_TAGS and element.text:
                parts.append(element.text)
            if element.tail:
                parts.append(element.tail)
        page.visible = folded(" ".join(parts))
    wanted = folded(text)
    return bool(wanted) and wanted in page.visible


def _decoded(value: str | None) -> str | None:
    """A meta value with its entities decoded (some publishers escape them twice)."""
    return clean_text(html_lib.unescape(value)) if value and "&" in value else value


def _headline_h1(page: _Reading):
    """The <h1> that is the headline, not a logo's or a box's: one that says most of the
    <title>, else one of four words or more outside links and the site's header."""
    title = folded(page.meta.title_tag)
    candidates = [(h1, folded(text_of(h1))) for h1 in page.tree.iter("h1")]
    candidates = [(h1, text) for h1, text in candidates if text]
    if not title:
        return candidates[0][0] if candidates else None
    for h1, text in candidates:
        if (text in title and len(text) >= 0.4 * len(title)) or title in text:
            return h1
    for h1, text in candidates:
        if len(text.split()) >= 4 and not signals.is_furniture(h1):
            return h1
    return None


def read_body(page: _Reading) -> None:
    rules = page.rules
    paragraphs_only = None
    for selector in rules.body:
        found = select(page.tree, selector)
        if found:
            page.container = found[0]
            if len(found) > 1 and found[0].tag in PARAGRAPH_TAGS:   # `.content p`: each one
                paragraphs_only = found
                page.container = _common_ancestor(found)
            break
    if page.container is not None:
        page.found.method = "site"
        author = rule_author(page)
        if paragraphs_only is not None:
            page.blocks = [(text_of(e), e) for e in paragraphs_only
                           if e.getparent() is not None and text_of(e)]
        else:
            page.blocks = paragraph_blocks(page.container)
        page.blocks = related.drop_related(
            [(t, e) for t, e in page.blocks if not FILE_NAME.match(t)], page.url)
        _drop_headline(page)
        if author:
            page.found.author = author
            page.answer("author", "rule")
        _image_from(page, page.container, "rule")
        page.answer("body", "rule" if page.blocks else None)
        return
    page.missed("body")
    if rules.body:
        page.found.problems.append("body selector matched nothing")
    lines = _trafilatura_lines(page)
    container, _ = signals.locate_container(page.tree, lines)
    page.located = container
    if container is not None:
        kept = {folded(l) for l in lines}
        blocks = [(t, e) for t, e in paragraph_blocks(container) if not FILE_NAME.match(t)]
        ours, runs = [], []           # the paragraphs trafilatura kept; the runs it left out
        for block in blocks:
            if folded(block[0]) in kept or _lines_kept(block[0], kept):
                ours.append(block)
            elif _dropped_run(*block, page.url):
                runs.append(block)
        if page.found.method == "site":      # the container's text: captions kept
            page.container = container
            page.blocks = _text_blocks(blocks, ours + runs, container, page.url)
            _image_from(page, container, "trafilatura")
        elif runs and sum(len(t) for t, _ in ours) >= 0.9 * sum(
                len(l) for l in related.drop_related_lines(page.tree, lines, page.url)) \
                and any(len(t) >= 150 and re.search(r"\w[.!?…]\s+\w", t) for t, _ in runs):
            # the generic path keeps trafilatura's text, but a text of <br> runs is read from
            # its block (when that block holds all of what trafilatura found)
            page.blocks = _text_blocks(blocks, ours + runs, container, page.url)
    if not page.blocks:
        page.blocks = [(l, None) for l in related.drop_related_lines(page.tree, lines, page.url)
                       if not FILE_NAME.match(l)]
    _drop_headline(page)            # trafilatura sometimes keeps the headline
    if not any(len(t) >= 60 or len(t.split()) >= 12 for t, _ in page.blocks):
        page.blocks = []            # menus and link lists, not one sentence: there is no text
    _drop_teasers(page)
    page.answer("body", "trafilatura" if page.blocks else None)


def _drop_headline(page: _Reading) -> None:
    """The headline (with a date stamp after it) is not the text's first paragraph."""
    title, headline = page.found.title, page.headline
    if not page.blocks or not title:
        return
    if page.blocks[0][1] is not headline and \
            page.blocks[0][0][:12].lower() != title[:12].lower():
        return                                  # the common case: the text starts elsewhere
    title = folded(title)
    while page.blocks and title:
        text, element = page.blocks[0]
        shown = folded(text)
        if same_text(text, page.found.title) or (shown.startswith(title) and
                                                 len(shown) <= len(title) + 40) \
                or (element is not None and headline is not None and element is headline):
            page.blocks.pop(0)
        else:
            break


def _text_blocks(blocks, chosen, container, url: str | None) -> list:
    """The `chosen` blocks and the captions among `blocks`, in page order, without related-link
    boxes."""
    chosen = {id(block) for block in chosen}
    return related.drop_related(
        [block for block in blocks if id(block) in chosen
         or signals.is_caption(block[1], container, marked_only=True)], url)


def _dropped_run(text: str, element, url: str | None) -> bool:
    """A paragraph of loose text (runs separated by <br><br> in a block that holds other blocks)
    that trafilatura left out (the caller has found it is none of its lines): the article's
    text all the same, unless it is links."""
    return len(text) >= 80 \
        and any(isinstance(d.tag, str) and d.tag in ("p", "div", "figure", "table", "ul", "h2",
                                                     "h3", "blockquote")
                for d in element.iterchildren()) \
        and not related.is_link_item(text, element, url)


def _lines_kept(text: str, kept: set[str]) -> bool:
    """A block of runs separated by <br> (no <p>), each of which trafilatura kept as a line."""
    whole = folded(text)
    covered = sum(len(line) for line in kept if len(line) >= 20 and line in whole)
    return len(whole) >= 60 and covered >= 0.8 * len(whole)


def _drop_teasers(page: _Reading) -> None:
    """Teaser items trafilatura kept (a headline link's title, the summary under it) are not the
    article's text; a page whose text is nothing but teasers is a listing."""
    teasers = signals.teaser_texts(page.tree, page.url)
    if not teasers:
        return
    own = [(t, e) for t, e in page.blocks if folded(t) not in teasers]
    if len(own) == len(page.blocks):
        return
    if sum(len(t) for t, _ in own) < MIN_ARTICLE_CHARS:
        page.listing = True
    else:
        page.blocks = own


PARAGRAPH_TAGS = frozenset(("p", "li", "h2", "h3", "h4", "blockquote", "figcaption"))


def _common_ancestor(elements):
    chain = [elements[0], *elements[0].iterancestors()]
    for candidate in chain:
        if all(e is candidate or any(a is candidate for a in e.iterancestors()) for e in elements):
            return candidate
    return chain[-1]


def _trafilatura_lines(page: _Reading) -> list[str]:
    """trafilatura's text, one paragraph a line. With site rules, on a copy of the page without
    the site's noise (its rules.noise, boxes under its noise headings, forms); without rules,
    on the page as fetched, exactly as plain trafilatura reads it."""
    tree = copy.deepcopy(page.tree)
    if page.found.method == "generic":     # the page as trafilatura parses it: no comments
        etree.strip_tags(tree, etree.Comment, etree.ProcessingInstruction)
    else:
        for element in _noise_boxes(tree, page.rules.noise_headings):
            if element.getparent() is not None:
                element.drop_tree()
    text = trafilatura.extract(tree, url=page.url, include_comments=False)
    headings = {folded(h) for h in page.rules.noise_headings}
    lines = [clean_text(line) for line in (text or "").splitlines()]
    return [line for line in lines if line and folded(line) not in headings]


def _noise_boxes(tree, headings) -> list:
    """Boxes that start with one of the site's noise headings ("Có thể bạn quan tâm"): the
    heading's parent when the heading opens it (and it holds no <h1>), and forms (comment forms)."""
    boxes = list(tree.iter("form"))
    wanted = {folded(h) for h in headings}
    if wanted:
        longest = max(map(len, wanted))
        for element in tree.iter("h2", "h3", "h4", "h5", "div", "span", "p", "strong"):
            if folded_text_if_short(element, longest) not in wanted:
                continue
            box = element.getparent()
            if box is not None and box.tag not in ("body", "html", "main", "article") \
                    and next(box.iterchildren("*"), None) is element \
                    and box.find(".//h1") is None and len(box.text_content()) <= 3000:
                boxes.append(box)
            else:
                boxes.append(element)
    return boxes


def _image_from(page: _Reading, container, layer: str) -> None:
    images = [img.get("data-src") or img.get("src") for img in container.iter("img")]
    image = next((i for i in images if i and not i.startswith("data:")), None)
    if image:
        page.found.image_url = image
        page.answer("image_url", layer)


def read_sapo(page: _Reading) -> None:
    rules = page.rules
    _, sapo = first_match(page.tree, rules.sapo)
    layer = "rule" if sapo else None
    if not sapo:
        page.missed("sapo")
    body_by_rule = page.found.extracted_by.get("body") == "rule"
    if not sapo and rules.sapo_is_first_paragraph and page.blocks and body_by_rule:
        sapo, layer = page.blocks.pop(0)[0], "first-paragraph"
    if not sapo:
        start = page.container if page.container is not None and body_by_rule else \
            next((e for _, e in page.blocks if e is not None), None)
        found = signals.lead_block(page.tree, page.headline, start, page.order,
                                   marked_only=page.found.method == "generic")
        if found:
            sapo, layer = found[0], "lead-block"
        else:
            found = signals.visible_description(page.tree, page.meta.descriptions,
                                                page.strip_prefix, page.headline, page.order)
            if found:
                sapo, layer = found[0], "meta"
    if not sapo and rules.sapo_is_first_paragraph and page.blocks:
        sapo, layer = page.blocks.pop(0)[0], "first-paragraph"
    sapo = page.strip_prefix(sapo) if sapo else None
    if sapo and page.blocks and same_text(page.blocks[0][0], sapo):
        page.blocks.pop(0)
    elif sapo and layer == "meta" and any(folded(sapo) in folded(t)
                                          for t, _ in page.blocks):
        sapo = None           # the description repeats (the start of) a paragraph of the text
    page.found.sapo = sapo or None
    page.answer("sapo", layer if sapo else None)


def read_tags_and_section(page: _Reading) -> None:
    rules, meta = page.rules, page.meta
    tags = [t for t in (text_of(a) for s in rules.tags for a in select(page.tree, s)) if t]
    _rule_or_meta(page, "tags", tags, meta.tags, "meta")
    sections = [text_of(e) for s in rules.section for e in select(page.tree, s)]
    section = next((s for s in reversed(sections) if s), None)   # the deepest breadcrumb
    _rule_or_meta(page, "section", section, meta.section, meta.section_by)
    if not page.found.image_url and meta.image:
        page.found.image_url = meta.image
        page.answer("image_url", "meta")


def _rule_or_meta(page: _Reading, name: str, by_rule, by_meta, meta_layer: str | None) -> None:
    """A field the site rule gives, else the page's metadata; says which answered."""
    if by_rule:
        setattr(page.found, name, by_rule)
        page.answer(name, "rule")
        return
    page.missed(name)
    setattr(page.found, name, by_meta)
    page.answer(name, meta_layer if by_meta else None)


# --- not an article ---------------------------------------------------------------------------

def refusal(page: _Reading) -> str | None:
    """Why the page is positively not an article, or None (an article, or one we could not read)."""
    found, meta = page.found, page.meta
    h1 = page.first_h1()
    if any(NOT_FOUND.search(t or "") for t in (meta.title_tag, found.title,
                                               text_of(h1) if h1 is not None else None)):
        return "soft 404"
    kind = (meta.type or "").lower()
    teasers = page.listing
    short = len(found.body) < MIN_ARTICLE_CHARS
    if kind and not kind.startswith("article") and not meta.jsonld_article \
            and not meta.published and (short or teasers):
        # og:type alone is not enough: some publishers mark every page "website"
        return "video-only" if kind.startswith("video") else f"og:type {kind}"
    if teasers:
        return "listing page"
    if short and (VIDEO_TITLE.search(found.title or "") or kind.startswith("video")
                  or page.tree.find(".//video") is not None):
        return "video-only"
    return None
