"""Replay sites the project has no declaration for: what `newscrawl add-site` is measured on.

Five hosts, served through the same replay proxy as the others (replay/web.py asks `respond` here
first; replay/server.py's certificate names `HOSTS`), each in a markup family the spiders were not
written for, with its own section names and sport or weather sections beside the union ones:

- congdoanbinhduong.org.vn (wordpress.py): WordPress, `/YYYY/MM/DD/<slug>/`, `/feed/`, `wp-sitemap.xml`;
- ldldhaiphong.org.vn (portal.py): `/detail/<id>/<slug>.html`, a sitemap, no feed; a PDF at
  `portal.PDF_PATH`;
- baocongnhan.vn (idfirst.py): `/<section>/<id>-<slug>.html`, feeds announced on the home page, a
  sitemap index, JSON-LD;
- congdoangtvt.vn (oldportal.py): `/bai-viet/<slug>_<id>.htm`, neither feed nor sitemap, a login page;
- congdoan-dangxaydung.vn (oldportal.EmptySite): no articles at all;
- truyenhinhcongdoan.vn (videosite.py): article-shaped pages that are videos, not articles.

The truth per article (title, date, sapo + body, union/labour or not): `site(name).union_articles()`
and `.other_articles()` (`ReplayArticle`s, replay/model.py). All of it is written by us.
"""
from __future__ import annotations

from functools import lru_cache

from .base import HTML, Answer, NewSite
from .idfirst import IdFirstSite
from .oldportal import EmptySite, OldPortalSite
from .portal import PDF_PATH, PortalSite
from .videosite import VideoSite
from .wordpress import WordPressSite

SITE_CLASSES = (WordPressSite, PortalSite, IdFirstSite, OldPortalSite, EmptySite, VideoSite)
# the four with articles (the benchmark's); the others are for add-site's refusals
NEWS_SITES = ("congdoanbinhduong", "ldldhaiphong", "baocongnhan", "congdoangtvt")
HOSTS = tuple(cls.host for cls in SITE_CLASSES)
LOGIN_URL = f"https://{OldPortalSite.host}/thanh-vien/dang-nhap.aspx"
PDF_URL = f"https://{PortalSite.host}{PDF_PATH}"
EMPTY_URL = f"https://{EmptySite.host}/"
VIDEO_URL = f"https://{VideoSite.host}/"


@lru_cache(maxsize=4)
def _sites(seed: int) -> dict[str, NewSite]:
    return {cls.host: cls(seed) for cls in SITE_CLASSES}


def site(name: str, seed: int = 1) -> NewSite:
    """The site called `name` (its spider name to be) or served at host `name`."""
    for s in _sites(seed).values():
        if name in (s.name, s.host):
            return s
    raise KeyError(f"no new replay site {name!r}; known: {', '.join(c.name for c in SITE_CLASSES)}")


def respond(host: str, target: str, seed: int = 1) -> Answer | None:
    """The answer for `host` + `target` (path and query), or None when `host` is not one of these.
    `www.<host>` is answered with a 301 to the bare host, as the other replayed sites do."""
    host = host.lower().split(":", 1)[0].rstrip(".")
    if host.startswith("www.") and host[4:] in HOSTS:
        location = f"https://{host[4:]}{target}"
        return Answer(301, [("Location", location), ("Content-Type", HTML)],
                      f'<a href="{location}">Moved</a>'.encode())
    found = _sites(seed).get(host)
    return found.respond(target) if found is not None else None
