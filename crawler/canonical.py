"""Whether a page's rel=canonical can be the article's own address (else the fetched URL stays).

    canonical_refusal(spider_cls, declared, fetched) -> None (believe it) | why not

Sites ship canonicals that are not the page's address: a template default (the home page), a
section, another host, another article's URL. Believing one of those stores one article under
another's address, where the next article with the same canonical overwrites it. A canonical is
believed only when it can be this article's own address:

* on the site (the spider's allowed_domains or their sub-domains);
* when the site declares its article URLs (`article_url`): it matches that pattern, and when the
  fetched URL carries a site id too, the same id (another id is another article);
* on the generic path (no pattern): not the home page, not a start page or feed of the spider,
  and not a parent path of the fetched URL (a section). A canonical already stored for a
  different article is caught where articles are stored: the article goes under the address it
  was fetched from (`Article.fetched_url`, crawler/pipelines.py), never a "version" of another.

The page path (crawler/page.py) keeps the fetched URL when a canonical is refused and says why
(`Page.bad_canonical`); the crawl records it as problem ``bad_canonical``.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from crawler.urls import canonical_url, same_site

GENERIC = r"$^"          # NewsSpider's article_url when a site declares none


def canonical_refusal(spider_cls, declared: str, fetched: str) -> str | None:
    """Why the canonical `declared` cannot be the address of the article fetched at `fetched`
    (both canonical URLs), or None when it can."""
    if declared == fetched:
        return None
    allowed = list(getattr(spider_cls, "allowed_domains", None) or [])
    if allowed and not same_site(declared, allowed):
        return "another site"
    pattern = getattr(spider_cls, "article_url", GENERIC) or GENERIC
    if pattern != GENERIC:
        declared_id = spider_cls.article_id(declared)
        if declared_id is None:
            return "not an article address of the site (article_url does not match)"
        fetched_id = spider_cls.article_id(fetched)
        if fetched_id is not None and fetched_id != declared_id:
            return f"another article's address (id {declared_id}, the page's is {fetched_id})"
        return None
    path = urlsplit(declared).path.rstrip("/")
    if not path:
        return "the site's home page"
    sources = {canonical_url(u) for u in [*(getattr(spider_cls, "start_urls", None) or []),
                                          *(getattr(spider_cls, "feed_urls", None) or [])]}
    if declared in sources:
        return "a start page of the spider (a section)"
    fetched_path = urlsplit(fetched).path.rstrip("/")
    if fetched_path.startswith(path + "/"):
        return "a parent of the page's address (a section)"
    return None
