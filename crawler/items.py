"""The article record that flows from a spider through the pipelines into SQLite.

`Article` is what the extractor finds on one page plus what the crawl knows about the fetch.
All text is Unicode NFC; `published_at` is ISO 8601 with the +07:00 offset, or None when the
page shows no date (never guessed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, asdict


@dataclass
class Article:
    url: str                      # canonical URL, unique in the database
    site: str                     # spider name: laodongthudo, tuoitrethudo, baolaocai, hanoigov
    article_id: str | None        # the site's numeric id, from the URL
    title: str
    body: str                     # paragraphs separated by blank lines; image captions kept
    sapo: str | None = None       # lead paragraph, without the source prefix
    author: str | None = None
    published_at: str | None = None   # "2021-01-26T11:00:00+07:00"
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    fetched_at: str | None = None
    html: bytes | None = None     # the raw page as fetched; stored compressed, not in `articles`
    etag: str | None = None       # the server's validators, sent back on a refetch
    last_modified: str | None = None
    extracted_by: dict = field(default_factory=dict)   # field -> layer that answered it
    # the discovery channels that named the page this run, first first: listing, home, section,
    # feed, sitemap, retry (crawler/discovery/reconciliation.py); stored when the row is new
    found_by: list[str] = field(default_factory=list)
    # Union and labour topics (crawler/topics.py), computed in the page path from title, sapo and
    # body; None when they could not be computed (a broken vocabulary file). Not in content_hash:
    # a vocabulary edit is not an article change (`newscrawl reextract --topics-only`).
    topics: list[str] | None = None
    labour_relevant: bool | None = None
    topic_terms: list[dict] | None = None
    # the address the page was fetched from, when `url` is the canonical it declares (not
    # stored): where the article goes if that canonical already holds another article
    fetched_url: str | None = None

    @property
    def content_hash(self) -> str:
        """A digest of what a reader sees: title, sapo, body, author, date."""
        text = "\x1f".join(
            v or "" for v in (self.title, self.sapo, self.body, self.author, self.published_at)
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_dict(self, with_html: bool = False) -> dict:
        data = asdict(self)
        if not with_html:
            data.pop("html")
            data.pop("etag")
            data.pop("last_modified")
        data["content_hash"] = self.content_hash
        return data
