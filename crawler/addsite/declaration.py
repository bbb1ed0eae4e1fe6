"""The declaration add-site writes (spiders/<name>.py, in the shape of spiders/nld.py) and the
report it prints.

Where: `spiders_dir()`: $NEWSCRAWL_SPIDERS_DIR if set, else the directory of the `spiders`
package the project's Scrapy settings load (SPIDER_MODULES), so `scrapy list`, `newscrawl crawl`
and the scheduler (crawler/sites.py) pick the new file up with no other step.
"""
from __future__ import annotations

import os
import re
import tempfile
import textwrap
from datetime import date
from pathlib import Path

from crawler.addsite.inspect import Findings
from crawler.health import LAYER_WORDS

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def spiders_dir() -> Path:
    if os.environ.get("NEWSCRAWL_SPIDERS_DIR"):
        return Path(os.environ["NEWSCRAWL_SPIDERS_DIR"])
    import importlib.util

    from crawler.sites import project_settings
    module = (project_settings().getlist("SPIDER_MODULES") or ["spiders"])[0]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the spiders package {module!r} is not importable; give "
                                "--spiders-dir DIR")
    return Path(list(spec.submodule_search_locations)[0])


def name_for_host(host: str) -> str:
    """`congdoan-dangxaydung.vn` -> `congdoandangxaydung`, `www.nld.com.vn` -> `nld`."""
    label = host.split(".")[0] if host.count(".") else host
    name = re.sub(r"[^a-z0-9]", "", label.lower())
    return name if name and name[0].isalpha() else f"site{name}"


def declared_names(directory: Path) -> dict[str, Path]:
    """{spider name: file} of the declarations in `directory` (read, not imported)."""
    out = {}
    for path in sorted(directory.glob("*.py")):
        for match in re.finditer(r'^\s+name\s*=\s*["\']([^"\']+)["\']', path.read_text("utf-8"), re.M):
            out[match.group(1)] = path
    return out


def _py(values: list[str], indent: int = 4) -> str:
    if not values:
        return "[]"
    if sum(len(v) + 4 for v in values) < 80 and len(values) <= 2:
        return "[" + ", ".join(repr(v) for v in values) + "]"
    pad = " " * (indent + 4)
    return "[\n" + "".join(f"{pad}{v!r},\n" for v in values) + " " * indent + "]"


def render(findings: Findings, name: str, command: str) -> str:
    shape = findings.shape
    kept = [s for s in findings.sections if s.kept]
    good = sum(s.ok for s in findings.samples)
    key = ("its `id` group is the site's id" if shape.has_id
           else "no id in the URL: the article's key is its path")
    sections = "\n".join(f"#   - {s.url} (\"{s.label}\": {s.why})" for s in kept)
    dropped = [s for s in findings.sections if not s.kept]
    dropped_text = "; ".join(f"{s.label} ({s.why})" for s in dropped[:8]) or "none"
    feeds = ", ".join(findings.union_feeds) or "none about union and labour"
    other_feeds = [u for u in findings.feeds if u not in findings.union_feeds]
    sitemaps = ", ".join(f"{u} ({v})" for u, v in findings.sitemaps.items()) or "none"
    title = findings.site_title or findings.host
    class_name = "".join(p.title() for p in name.split("_")) + "Spider"
    if findings.body_rule:
        imports = "from crawler.extraction import SiteRules\nfrom crawler.newsspider import NewsSpider"
        rules = f"SiteRules(body=({findings.body_rule!r},))"
        layer = (f"the generic layer with one body selector ({findings.body_rule}: "
                 f"{findings.body_why})")
    else:
        imports, rules = "from crawler.newsspider import NewsSpider", "None"
        layer = "the generic layer alone (rules = None)"
    intro = textwrap.fill(f"A declaration like spiders/nld.py, read by {layer}. Review it and edit "
                          f"it as any other; `newscrawl check {name}` reads the sample articles "
                          "again.", 96, break_on_hyphens=False)
    return f'''"""{findings.host}: {title}. Written by `{command}` on {date.today().isoformat()}.

{intro}
"""
{imports}

# What add-site inferred, and how sure it is ({len(findings.requests)} requests in {findings.seconds:.0f} s):
# - article URLs: {shape.description}; {key}. {shape.confidence.upper()}: {shape.evidence}.
# - union and labour sections, by their names and the topics of their headlines (crawler/topics.py):
{sections}
#   not kept: {dropped_text}
# - feeds declared: {feeds}; not declared (other topics): {", ".join(other_feeds) or "none"}
# - sitemaps (read by discovery when a start page fails): {sitemaps}
# - samples: {good} of {len(findings.samples)} read as articles (title, body, date) through crawler/page.py


class {class_name}(NewsSpider):
    name = {name!r}
    allowed_domains = [{findings.host!r}]
    start_urls = {_py(findings.start_urls)}
    feed_urls = {_py(findings.union_feeds)}
    article_url = r"{shape.pattern}"
    rules = {rules}
    # the articles add-site read; `newscrawl check {name}` reads them again
    sample_urls = {_py([s.url for s in findings.samples if s.ok])}
'''


def write(directory: Path, name: str, text: str, force: bool = False) -> Path:
    """Write `directory/name.py` atomically; never over an existing file without `force`."""
    path = directory / f"{name}.py"
    if path.exists() and not force:
        raise FileExistsError(str(path))
    compile(text, str(path), "exec")            # a broken declaration is never written
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".py", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


def _short(text: str | None, n: int = 70) -> str:
    if not text:
        return "—"
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def report(findings: Findings) -> str:
    """The text add-site prints: channels, shape, sections, samples (with the layers)."""
    lines = [f"Site: {findings.host} — {findings.site_title or '(no title)'}",
             f"Requests: {len(findings.requests)} in {findings.seconds:.1f} s (robots.txt obeyed, one "
             "at a time)" + (f"; {findings.budget_note}" if findings.budget_note else ""),
             "", "Discovery channels found:"]
    home = findings.shape.counts.get("home")
    lines.append(f"  home page: {home[1] if home else 0} links, {home[0] if home else 0} to articles")
    for url, (entries, union, articles) in findings.feeds.items():
        mark = "declared" if url in findings.union_feeds else "not declared"
        lines.append(f"  feed {url}: {entries} entries, {union} of {articles} articles about union "
                     f"and labour ({mark})")
    if not findings.feeds:
        lines.append("  feeds: none found")
    for url, what in findings.sitemaps.items():
        lines.append(f"  sitemap {url}: {what}{' article URLs' if isinstance(what, int) else ''}")
    if not findings.sitemaps:
        lines.append("  sitemaps: none found")
    lines += ["", f"Article URLs: {findings.shape.description} ({findings.shape.confidence}: "
              f"{findings.shape.evidence})", f"  article_url = r\"{findings.shape.pattern}\""]
    if len(findings.shapes_considered) > 1:
        lines.append("  other shapes: " + ", ".join(f"{d} ({n})" for d, n in findings.shapes_considered[1:4]))
    lines += ["", "Sections read:"]
    for s in findings.sections:
        lines.append(f"  [{'x' if s.kept else ' '}] {s.label[:40]:40} {s.url}  {s.why}")
    rule = (f"rules = SiteRules(body=({findings.body_rule!r},)): {findings.body_why}"
            if findings.body_rule else f"rules = None ({findings.body_why})")
    lines += ["", f"Samples (read through crawler/page.py; {rule}):"]
    for i, s in enumerate(findings.samples, 1):
        layer = lambda field: LAYER_WORDS.get(s.layers.get(field), s.layers.get(field) or "—")  # noqa: E731
        lines.append(f"  {i}. {'ok ' if s.ok else 'BAD'} {s.url}")
        if s.problem and not s.ok:
            lines.append(f"       problem: {s.problem}")
        lines.append(f"       title:  {_short(s.title)}  [{layer('title')}]")
        lines.append(f"       date:   {s.date or '—'}  [{layer('published_at')}]")
        lines.append(f"       lead:   {_short(s.lead)}  [{layer('sapo')}]")
        lines.append(f"       author: {_short(s.author, 40)}  [{layer('author')}]")
        lines.append(f"       body:   {s.body_chars} characters  [{layer('body')}]")
    return "\n".join(lines)
