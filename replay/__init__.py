"""The offline replay of the source sites.

No machine here reaches the internet, so tests, the demo and the benchmarks crawl this instead:
pages for laodongthudo.vn, tuoitrethudo.vn, baolaocai.vn, hanoi.gov.vn (and a mirror host), plus
the declared sites laodong.vn and nld.com.vn, built in the markup `shared/sites.md` describes,
with the noise real pages carry, served by a real HTTP(S) proxy on 127.0.0.1. Spiders keep the real URLs; only `https_proxy` points here.

- `replay.model`   what one replay article is (also the ground truth for tests)
- `replay.corpus`  the articles of each site: the five seeds plus generated ones (`replay.phrases`)
- `replay.declared` laodong.vn and nld.com.vn: their articles, listings, feeds
- `replay.render`  HTML for each CMS family: article pages, listings, RSS, robots.txt
- `replay.variants` layout variants: the same articles in markup the rules were not written for
- `replay.web`     maps (host, path) to a response (under a variant, if one is set)
- `replay.server`  the proxy server (`replay.tls`: its certificate); `python -m replay serve|exec`
"""
