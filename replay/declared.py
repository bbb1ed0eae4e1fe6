"""The two sources added as bare declarations: laodong.vn and nld.com.vn (corpus and site layout).

Built only from what `shared/sites.md` says about them: laodong.vn article URLs
`/<section>/<ascii-slug>-<7-digit id>.ldo`, its union sections, listings `?page=N`, RSS
`/rss/cong-doan.rss`; nld.com.vn article URLs `/<section>/<ascii-slug>-<17-digit timestamp id>.htm`,
listings `/cong-doan.htm` and `/cong-doan/viec-lam.htm`, RSS `/cong-doan.rss`. Markup is in
`replay/render/laodong.py` and `replay/render/nld.py`.

The articles are generated with the same phrase machinery as the family sites (`replay.corpus`),
one private RNG per site, so the family sites' corpus does not change when these are added.
Every article is dated (both papers date every story).
"""
from __future__ import annotations

import random
from datetime import timedelta

from .corpus import HOSTS, REFERENCE, generate, slugify
from .model import ReplayArticle

DECLARED_SITES = ("laodong", "nld")

# (section label, listing path, weight) of generated articles
SECTIONS = {
    "laodong": [("Công đoàn", "/cong-doan/", 4), ("Công đoàn toàn quốc", "/cong-doan-toan-quoc/", 3),
                ("Vì lợi ích đoàn viên", "/vi-loi-ich-doan-vien/", 2),
                ("Thiết chế công đoàn", "/thiet-che-cong-doan/", 1),
                ("Chúng tôi là cán bộ công đoàn", "/chung-toi-la-can-bo-cong-doan/", 1)],
    "nld": [("Công đoàn", "/cong-doan.htm", 3), ("Việc làm", "/cong-doan/viec-lam.htm", 1)],
}
# listings: (label, path, which sections it lists); the first is the start page
LISTINGS = {
    "laodong": [("Công đoàn", "/cong-doan/", lambda p: True),
                *[(label, path, lambda p, path=path: p == path) for label, path, _ in SECTIONS["laodong"][1:]]],
    "nld": [("Công đoàn", "/cong-doan.htm", lambda p: True),
            ("Việc làm", "/cong-doan/viec-lam.htm", lambda p: p == "/cong-doan/viec-lam.htm")],
}
PAGE_SIZE = {"laodong": 10, "nld": 15}
FEEDS = {"laodong": "/rss/cong-doan.rss", "nld": "/cong-doan.rss"}
ROBOTS = {
    "laodong": "User-agent: *\nDisallow: /search\nDisallow: /api/\nAllow: /\n",
    "nld": "User-agent: *\nDisallow: /search\nDisallow: /ajax/\nAllow: /\n",
}
TOP_ID = {"laodong": 1712040}
KINDS = ["figures", "related", "plain", "no-author", "figures", "plain", "related", "figures"]


def article_url(site: str, section_path: str, title: str, article_id: str) -> str:
    slug = slugify(title)
    if site == "laodong":
        return f"https://{HOSTS[site]}{section_path}{slug}-{article_id}.ldo"
    return f"https://{HOSTS[site]}/cong-doan/{slug}-{article_id}.htm"


def page_path(site: str, section_path: str, n: int) -> str:
    """Listing page n: laodong `/cong-doan/?page=2`, nld `/cong-doan/trang-2.htm`."""
    if n <= 1:
        return section_path
    if site == "laodong":
        return f"{section_path}?page={n}"
    return f"{section_path.removesuffix('.htm')}/trang-{n}.htm"


def parse_page(site: str, path: str, query: dict) -> tuple[str, int]:
    """(listing path, page number) of a listing request; page -1 when the number is not one."""
    if site == "laodong":
        if "page" not in query:
            return path, 1
        value = query["page"][0]
        return path, int(value) if value.isdigit() else -1
    head, sep, tail = path.rpartition("/trang-")
    if sep and tail.endswith(".htm") and tail[:-4].isdigit():
        return head + ".htm", int(tail[:-4])
    return path, 1


def _nld_id(rng: random.Random, when) -> str:
    """17 digits: YYYYMMDDhhmm + seconds + milliseconds of publication (as nld.com.vn ids are)."""
    return f"{when:%Y%m%d%H%M}{rng.randint(0, 59):02d}{rng.randint(0, 999):03d}"


def site_corpus(site: str, articles_per_site: int, seed: int, extra: int = 0) -> list[ReplayArticle]:
    """The site's articles, newest first. `extra` more articles newer than all others."""
    n = articles_per_site
    rng = random.Random(f"{seed}:{site}:base")
    dates, when = [], REFERENCE - timedelta(minutes=rng.randint(20, 300))
    span = max(timedelta(minutes=30), timedelta(days=120) / max(n, 1))
    for _ in range(n):
        dates.append(when)
        when = (when - span * (0.3 + 1.4 * rng.random())).replace(second=0, microsecond=0)
    arts = _build(site, rng, dates, 0)
    if extra:
        xr = random.Random(f"{seed}:{site}:extra")
        xdates, when = [], REFERENCE
        for _ in range(extra):
            when += timedelta(minutes=xr.randint(25, 600))
            xdates.append(when)
        xdates.reverse()
        arts = _build(site, xr, xdates, 3, top_offset=extra, used={x.title for x in arts}) + arts
    return arts


def _build(site: str, rng: random.Random, dates: list, section_offset: int, top_offset: int = 0,
           used: set | None = None) -> list[ReplayArticle]:
    n = len(dates)
    if site == "laodong":
        ids, cur = [], TOP_ID[site] + 60 * top_offset
        for _ in range(n):
            ids.append(str(cur))
            cur -= rng.randint(3, 40)
    else:
        ids = [_nld_id(rng, d) for d in dates]
    cycle = []
    for label, path, weight in SECTIONS[site]:
        cycle += [(label, path)] * weight
    order = sorted(range(len(cycle)), key=lambda j: (j * 7919) % len(cycle))
    sections = [cycle[order[(i + section_offset) % len(cycle)]] for i in range(n)]
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    arts = generate(site, rng, n, ids, dates, kinds, sections, set(used or ()))
    titles = [x.title for x in arts]
    for i, art in enumerate(arts):
        art.url = article_url(site, art.section_path, art.title, art.article_id)
        if art.kind == "related":     # the inline related box points at older stories of the site
            older = titles[i + 1:i + 4] or titles[:i][-3:]
            art.related_titles = older[:2 + int(art.article_id[-1]) % 2]
    return arts

