"""The unchanged spiders on every replay layout variant (replay/variants.py): issue 11's targets.

One real `newscrawl crawl` per variant of the sites it changes (subprocess, DOWNLOAD_DELAY=0,
AutoThrottle off, a fresh SQLite file each; two at a time), shared by the whole session. The
sites a variant leaves alone serve pages byte-identical to the regular replay's
(tests/test_replay_variants.py), whose crawl is checked below. Per site changed by the variant: ≥ 90 % of its articles stored, body F1 ≥ 0.95 and precision ≥ 0.95
(stored sapo + body against the true sapo + body, bench/shingles.py), every title right, dates right
to the minute ≥ 90 %, leads exactly right ≥ 80 %, and a crawl_runs.flag starting "rules drifted?"
where the variant breaks what the site's rules read.
The regular replay (all six sites, crawled in the same pool): every target and the regular figures
(F1 ≥ 0.98, P ≥ 0.99, dates 100 %), no flag on any site; laodong.vn and nld.com.vn: ≥ 90 % of their
articles stored with title, body and date.
Figures with trafilatura beside them: `python -m bench.variants`.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.variants import DRIFT, crawl, misses, score_site
from replay.corpus import SITES
from replay.variants import VARIANTS
from replay.web import ALL_SITES, ReplayWeb

CASES = [(name, site) for name, v in VARIANTS.items() for site in v.sites]


@pytest.fixture(scope="session")
def variant_crawls(tmp_path_factory) -> dict[str | None, Path]:
    """{variant name (None: the regular replay): database of its crawl}; every crawl finished
    (exit 0, or 3 for a flag)."""
    folder = tmp_path_factory.mktemp("variants")

    def one(name: str | None):
        db = folder / f"{name or 'regular'}.db"
        return name, db, crawl(name, db, VARIANTS[name].sites if name else ALL_SITES, timeout=240)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, [None, *VARIANTS]))
    for name, _, result in results:
        assert result.returncode in (0, 3), (name, result.stdout[-1500:] + result.stderr[-3000:])
    return {name: db for name, db, _ in results}


@pytest.fixture(scope="session")
def webs() -> dict[str | None, ReplayWeb]:
    return {name: ReplayWeb(variant=name) for name in [None, *VARIANTS]}


@pytest.mark.parametrize("name,site", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_targets_on_a_variant(variant_crawls, webs, name, site):
    score = score_site(variant_crawls[name], webs[name], site)
    assert not misses(score), (name, site, misses(score), score["flag"])
    if site in VARIANTS[name].drifted:
        assert (score["flag"] or "").startswith(DRIFT), (name, site, score["flag"])


@pytest.mark.parametrize("site", ALL_SITES)
def test_targets_and_no_flag_on_the_regular_replay(variant_crawls, webs, site):
    score = score_site(variant_crawls[None], webs[None], site)
    assert score["flag"] is None, (site, score["flag"])
    if site in SITES:
        assert not misses(score), (site, misses(score))
        assert score["f1"] >= 0.98 and score["precision"] >= 0.99 and score["dates"] == 1.0, score
    else:     # laodong.vn, nld.com.vn: ≥ 90 % stored with title, body and date
        assert score["complete"] >= 0.9 * score["total"], score
