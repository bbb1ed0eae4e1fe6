"""The replay corpus: the articles each replayed site carries.

`build_corpus()` returns, per site, the seed article(s) transcribed in `replay/seeds/*.json` plus
generated Vietnamese trade-union / labour news, newest first (that order is the listing order).
Generation is procedural and deterministic (a private `random.Random` per site): sentences are
chained from short phrase pools with random names, numbers, places and companies, so no two
generated bodies share long runs of text (4-token shingle Jaccard stays far below 0.2).

    corpus = build_corpus(articles_per_site=40, seed=1)
    more = build_corpus(articles_per_site=40, seed=1, extra={"laodongthudo": 3})
    # `more` == `corpus` plus 3 newer laodongthudo articles at the top of that site's list.
"""
from __future__ import annotations

import json
import random
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .model import Figure, ReplayArticle, Subheading
from .phrases import (AUTHORS, CAPTIONS, EVENTS, GROUPS, SAPOS, SUBHEAD_A, SUBHEAD_B, TAGS_COMMON, TAGS_SITE,
                      TITLES, TOPICS, Phrases)

SITES = ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov")
REFERENCE = datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=7)))
SEED_DIR = Path(__file__).with_name("seeds")

HOSTS = {
    "laodongthudo": "laodongthudo.vn",
    "tuoitrethudo": "tuoitrethudo.vn",
    "baolaocai": "baolaocai.vn",
    "hanoigov": "hanoi.gov.vn",
    "laodong": "laodong.vn",          # declared sites (replay/declared.py), not in SITES
    "nld": "nld.com.vn",
}
HANOIGOV_LISTING = "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"
# enough for at least 3 listing pages on every site (laodongthudo shows 16 a page)
DEFAULT_ARTICLES_PER_SITE = 40

# (section label, listing path, weight) of generated articles
SECTIONS = {
    "laodongthudo": [("Công đoàn", "/cong-doan", 6), ("Hoạt động", "/cong-doan/hoat-dong", 4),
                     ("Vì lợi ích đoàn viên", "/cong-doan/vi-loi-ich-doan-vien", 2),
                     ("Tháng Công nhân", "/cong-doan/thang-cong-nhan", 2),
                     ("Lao động", "/lao-dong", 3), ("Đời sống", "/lao-dong/doi-song", 2),
                     ("Việc làm", "/lao-dong/viec-lam", 2), ("BHXH", "/lao-dong/bhxh", 2)],
    "tuoitrethudo": [("Tin tức", "/tin-tuc", 3), ("Thời sự", "/thoi-su", 2)],
    "baolaocai": [("Xã hội", "/xa-hoi/", 1)],
    "hanoigov": [("Chính trị - Xã hội", HANOIGOV_LISTING, 1)],
}
BAOLAOCAI_TAG = "Công đoàn Lào Cai"

# ---------------------------------------------------------------------------------- text utils

def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def ascii_fold(text: str, drop_d: bool = False) -> str:
    """Vietnamese to ASCII: diacritics removed, đ→d (or dropped, hanoi.gov.vn style)."""
    if drop_d:
        text = text.replace("đ", "").replace("Đ", "")
    else:
        text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def slugify(text: str, drop_d: bool = False, max_words: int = 0) -> str:
    words = re.findall(r"[a-z0-9]+", ascii_fold(text, drop_d).lower())
    if max_words:
        words = words[:max_words]
    return "-".join(words)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def article_url(site: str, title: str, article_id: str) -> str:
    if site == "hanoigov":
        return (f"https://hanoi.gov.vn{HANOIGOV_LISTING}/{article_id}/1/"
                f"{slugify(title, drop_d=True)}.html")
    if site == "baolaocai":
        return f"https://baolaocai.vn/{slugify(title)}-post{article_id}.html"
    return f"https://{HOSTS[site]}/{slugify(title)}-{article_id}.html"


# ---------------------------------------------------------------------------------- seeds

def load_seed(path: Path) -> ReplayArticle:
    d = json.loads(path.read_text(encoding="utf-8"))
    blocks = []
    for b in d["blocks"]:
        if "p" in b:
            blocks.append(nfc(b["p"]))
        elif "h" in b:
            blocks.append(Subheading(nfc(b["h"])))
        else:
            f = b["figure"]
            blocks.append(Figure(f["image_url"], nfc(f["caption"]), nfc(f.get("alt", ""))))
    return ReplayArticle(
        site=d["site"], url=d["url"], article_id=d["article_id"], title=nfc(d["title"]),
        sapo=nfc(d["sapo"]), blocks=blocks, author=d["author"], published_at=d["published_at"],
        section=d["section"], section_path=d["section_path"], tags=[nfc(t) for t in d["tags"]],
        related_titles=[nfc(t) for t in d["related_titles"]], seed=d["seed"],
        kind=d.get("kind", "article"),
        teasers=[{k: nfc(v) for k, v in t.items()} for t in d.get("teasers", [])])


_SEEDS: dict[str, list[ReplayArticle]] | None = None


def seed_articles() -> dict[str, list[ReplayArticle]]:
    """Seed articles per site (fresh copies each call)."""
    global _SEEDS
    if _SEEDS is None:
        out: dict[str, list[ReplayArticle]] = {s: [] for s in SITES}
        for p in sorted(SEED_DIR.glob("*.json")):
            a = load_seed(p)
            out[a.site].append(a)
        _SEEDS = out
    import copy
    return {s: [copy.deepcopy(a) for a in arts] for s, arts in _SEEDS.items()}


def generate(site: str, rng: random.Random, n: int, ids: list[str], dates: list[datetime | None],
              kinds: list[str], sections: list[tuple[str, str]], used_titles: set[str]) -> list[ReplayArticle]:
    g = Phrases(site, rng)
    arts = []
    for i in range(n):
        ctx = {"org": g.c(g.orgs), "co": g.company(), "unit": g.c(g.reg["units"]), "zone": g.c(g.reg["zones"]),
               "event": g.c(EVENTS), "topic": g.c(TOPICS), "grp": g.c(GROUPS)}
        ctx["org_s"] = ctx["org"].replace("Liên đoàn Lao động", "LĐLĐ")
        ctx["event_l"] = g._lower(ctx["event"])
        for _ in range(200):
            title = _cap_after_colon(g.fill(g.c(TITLES), ctx))
            if title not in used_titles:
                break
        used_titles.add(title)
        sapo = g.fill(g.c(SAPOS), ctx)
        sapo = sapo[0].upper() + sapo[1:]
        kind = kinds[i]
        n_par = rng.randint(4, 12)
        paras = [g.paragraph(ctx) for _ in range(n_par)]
        blocks: list = list(paras)
        if rng.random() < 0.35 and n_par >= 5:
            for _ in range(rng.randint(1, 2)):
                pos = rng.randint(2, len(blocks) - 1)
                blocks.insert(pos, Subheading(f"{g.c(SUBHEAD_A)} {g.c(SUBHEAD_B)}"))
        n_fig = {"figures": rng.randint(1, 3), "gallery": rng.randint(8, 12), "plain": 0}.get(
            kind, rng.randint(0, 2))
        aid = ids[i]
        dt = dates[i] or REFERENCE
        for k in range(n_fig):
            cap = "" if (rng.random() < 0.2 and kind != "gallery") else g.fill(g.c(CAPTIONS), ctx)
            if cap:
                cap = cap[0].upper() + cap[1:]
            url = _image_url(site, title, aid, k, dt, rng)
            pos = rng.randint(1, len(blocks)) if kind != "gallery" else min(len(blocks), 1 + k)
            blocks.insert(pos, Figure(url, cap))
        section, spath = sections[i]
        tags = []
        if site == "baolaocai":
            tags.append(BAOLAOCAI_TAG)
        pool = TAGS_COMMON + TAGS_SITE[site]
        n_tags = rng.randint(0, 4 if site != "baolaocai" else 3)
        for t in rng.sample(pool, n_tags) if site != "hanoigov" else ():   # the portal shows no tags
            if t not in tags:
                tags.append(t)
        author = None if kind == "no-author" else g.c(AUTHORS[site])
        arts.append(ReplayArticle(
            site=site, url=article_url(site, title, aid), article_id=aid, title=title, sapo=sapo,
            blocks=blocks, author=author, published_at=iso(dates[i]) if kind != "no-date" else None,
            section=section, section_path=spath, tags=tags, kind=kind))
    return arts


def _cap_after_colon(title: str) -> str:
    head, sep, rest = title.partition(": ")
    if sep and rest:
        rest = rest[0].upper() + rest[1:]
    return head[0].upper() + head[1:] + sep + rest


def _image_url(site, title, aid, k, dt, rng):
    slug = slugify(title, drop_d=site == "hanoigov", max_words=5)
    if site == "baolaocai":
        fname = rng.choice(["IMG_{:04d}.JPG", "DSC_{:04d}.JPG", "DSC{:05d}.jpg", "anh-{:d}.jpg"]).format(
            rng.randint(1000, 9999))
        return f"https://cdn.baolaocai.vn/images/{dt:%Y/%m/%d}/{fname}"
    if site == "hanoigov":
        return f"https://hanoi.gov.vn/documents/20182/{aid}/{slug}-{k + 1}.jpg"
    host = HOSTS[site]
    return (f"https://{host}/stores/news_dataimages/{dt:%Y/%m%Y/%d/%H}/"
            f"{slug}-{k + 1}-{dt:%Y%m%d%H%M}{k:02d}.jpg")


# id plans: (newest id of the base corpus, step range); extras count upward from the newest id
ID_PLAN = {"laodongthudo": (185000, (2, 8)), "tuoitrethudo": (285000, (1, 5)),
           "baolaocai": (897500, (1, 4)), "hanoigov": (4150000, (40, 500))}
KIND_CYCLE = ["figures", "related", "plain", "no-author", "figures", "plain", "related", "figures"]


def _kind(site: str, i: int) -> str:
    if i % 50 == 2:
        return "no-date"
    if i % 60 == 5:
        return "gallery"
    return KIND_CYCLE[i % len(KIND_CYCLE)]


def _sections(site: str, n: int, offset: int = 0) -> list[tuple[str, str]]:
    cyc = []
    for label, path, w in SECTIONS[site]:
        cyc += [(label, path)] * w
    # interleave deterministically so each section gets its share on every page
    order = sorted(range(len(cyc)), key=lambda j: (j * 7919) % len(cyc))
    cyc = [cyc[j] for j in order]
    return [cyc[(i + offset) % len(cyc)] for i in range(n)]


def _site_corpus(site: str, articles_per_site: int, seed: int, extra: int) -> list[ReplayArticle]:
    seeds = seed_articles()[site]
    n = max(0, articles_per_site - len(seeds))
    rng = random.Random(f"{seed}:{site}:base")
    top, (lo, hi) = ID_PLAN[site]
    hi = max(1, min(hi, top // (2 * n + 2)))   # a large corpus keeps its ids positive
    lo = min(lo, hi)
    ids, cur = [], top
    old_cut = n - n // 4 if site == "baolaocai" else n + 1
    seed_ids = {a.article_id for a in seeds}
    for i in range(n):
        if i == old_cut:
            cur = 402990
        while str(cur) in seed_ids:            # never reuse a seed article's id
            cur -= 1
        ids.append(str(cur))
        cur -= rng.randint(lo, hi)
    span = max(timedelta(minutes=30), timedelta(days=150) / max(n, 1))
    dates, t = [], REFERENCE - timedelta(minutes=rng.randint(20, 300))
    for i in range(n):
        if i == old_cut:
            t -= timedelta(days=420)   # baolaocai: older ids come from before the 2025 id jump
        dates.append(t)
        t -= span * (0.3 + 1.4 * rng.random())
        t = t.replace(second=0, microsecond=0)
    used = {a.title for a in seeds}
    base = generate(site, rng, n, ids, dates, [_kind(site, i) for i in range(n)],
                     _sections(site, n), used)
    extras: list[ReplayArticle] = []
    if extra:
        xr = random.Random(f"{seed}:{site}:extra")
        xids, cur = [], top
        xdates, t = [], REFERENCE
        for _ in range(extra):
            cur += xr.randint(lo, hi)
            t += timedelta(minutes=xr.randint(25, 600))
            xids.append(str(cur))
            xdates.append(t)
        xids.reverse()
        xdates.reverse()
        extras = generate(site, xr, extra, xids, xdates,
                           [KIND_CYCLE[i % len(KIND_CYCLE)] if KIND_CYCLE[i % len(KIND_CYCLE)] != "related"
                            else "figures" for i in range(extra)],
                           _sections(site, extra, offset=3), used)
    arts = extras + base
    # related boxes point at older articles of the same site
    gen_titles = [a.title for a in arts]
    for i, a in enumerate(arts):
        if a.kind == "related":
            older = gen_titles[i + 1:i + 8] or gen_titles[:i][-7:]
            k = min(len(older), 2 + (int(a.article_id) % 2))
            step = max(1, len(older) // max(k, 1))
            a.related_titles = older[::step][:k]
    # generated articles are already newest first; seeds are older than all of them
    return arts + sorted(seeds, key=lambda a: a.published_at or "", reverse=True)


# Syndication: (from site, to site, id of the first copy): every 9th dated article of the first
# site is republished on the second a day later, credited, lead reworded, last paragraph dropped.
SYNDICATION = [("laodongthudo", "hanoigov", 4300001), ("laodongthudo", "tuoitrethudo", 299001)]


def _syndicate(corpus: dict[str, list[ReplayArticle]]) -> None:
    for source, target, first_id in SYNDICATION:
        originals = [a for a in corpus[source] if a.published_at and not a.seed
                     and not a.copy_of and len([b for b in a.blocks if isinstance(b, str)]) >= 4]
        for k, original in enumerate(originals[1::9][:3]):
            article_id = str(first_id + k)
            published = (parse_dt(original.published_at) + timedelta(days=1, minutes=95))
            paragraphs = [b for b in original.blocks if isinstance(b, str)]
            credit = {"hanoigov": "Theo Báo Lao động Thủ đô, ", "tuoitrethudo": "Theo LĐTĐ, "}[target]
            section_label, section_path = SECTIONS[target][0][:2]
            copy = ReplayArticle(
                site=target, url=article_url(target, original.title, article_id),
                article_id=article_id, title=original.title,
                sapo=credit + original.sapo[0].lower() + original.sapo[1:],
                blocks=paragraphs[:-1], author=None,
                published_at=published.isoformat(), section=section_label,
                section_path=section_path, tags=[], kind="plain", copy_of=original.url)
            corpus[target].append(copy)
        corpus[target].sort(key=lambda a: a.published_at or "", reverse=True)


def parse_dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def build_corpus(articles_per_site: int = DEFAULT_ARTICLES_PER_SITE, seed: int = 1,
                 extra: dict[str, int] | None = None) -> dict[str, list[ReplayArticle]]:
    """Articles per site, newest first. `extra={site: n}` adds n articles newer than all others
    (the rest of the corpus is unchanged), to replay "the site published more since last crawl".
    Three articles of laodongthudo.vn are also republished on hanoi.gov.vn and tuoitrethudo.vn
    (`copy_of` set): a crawl must store each story once, from the original."""
    from .declared import DECLARED_SITES, site_corpus   # imports this module

    extra = extra or {}
    corpus = {site: _site_corpus(site, articles_per_site, seed, extra.get(site, 0))
              for site in SITES}
    _syndicate(corpus)
    for site in DECLARED_SITES:     # laodong.vn, nld.com.vn: their own corpus, not syndicated
        corpus[site] = site_corpus(site, articles_per_site, seed, extra.get(site, 0))
    return corpus


def publish_more(site: str, n: int, articles_per_site: int = DEFAULT_ARTICLES_PER_SITE, seed: int = 1,
                 extra: dict[str, int] | None = None) -> dict[str, list[ReplayArticle]]:
    """The same corpus as `build_corpus(articles_per_site, seed, extra)` plus n more new articles
    on `site`."""
    extra = dict(extra or {})
    extra[site] = extra.get(site, 0) + n
    return build_corpus(articles_per_site, seed, extra)
