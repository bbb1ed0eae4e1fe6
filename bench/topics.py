"""Topic tagging quality and cost: `crawler.topics.classify` on real headlines and on the replay.

    python -m bench.topics [--labelled FILE] [--out FILE] [--repeat N]

Three parts, printed as markdown and written to `--out` (default bench/results/topics.md):

1. Labour relevance on the hand-labelled real headlines with leads
   (tests/data/labour_headlines.tsv, described in tests/data/labour_headlines.md): precision and
   recall of `labour_relevant` against the label, on all rows, separately on the rows seen
   while the vocabulary was written (source `shared/seeds/...`) and the held-out rows (a URL),
   and on all rows typed without diacritics;
   every false positive and false negative with the terms that decided it; how often the
   hand-named topics of the relevant rows were found.
2. Per-topic counts over the replay's articles (`replay.web.ReplayWeb().articles()`, their
   `expected()` title, lead and body). Except the five seed articles, these are pages WE WROTE
   (replay/corpus.py), so the counts show the tagger at work, not the sites' real coverage.
3. Cost: for every replay article page, the milliseconds of the page path (reading the HTML as a
   crawl does: `crawler.page.read_page` when present, else the spider's `read_page`) and of
   `classify` on the title, lead and body that the page path extracted, the same page beside it.
   Medians over all pages and over the five real seed articles. `--repeat N` times each call N
   times per page and keeps the fastest (default 5), which removes scheduling noise on a
   shared machine.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crawler.topics import Vocabulary, classify, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "labour_headlines.tsv"
COLUMNS = ["headline", "lead", "label", "topics", "source"]


def read_labelled(path: Path = LABELLED) -> list[dict]:
    """The labelled rows; a malformed line is an error naming the file and line."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header != COLUMNS:
            raise ValueError(f"{path}: header must be {COLUMNS}, got {header}")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if len(cells) != len(COLUMNS) or cells[2] not in ("0", "1") or not cells[0].strip():
                raise ValueError(f"{path}:{number}: expected 5 tab-separated columns with a "
                                 f"headline and a label 0 or 1, got {cells!r}")
            row = dict(zip(COLUMNS, cells))
            row["label"] = cells[2] == "1"
            row["topics"] = [t for t in cells[3].split(";") if t]
            row["line"] = number
            rows.append(row)
    return rows


def without_marks(text: str) -> str:
    """The text as typed on a keyboard without Vietnamese: 'Công đoàn' -> 'Cong doan'."""
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c))


def seen_while_writing(row: dict) -> bool:
    """Rows from the seed files were read before the vocabulary was written (see the .md)."""
    return row["source"].startswith("shared/seeds/")


@dataclass
class Evaluation:
    rows: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[tuple[str, dict, object]] = field(default_factory=list)   # (FP|FN, row, Topics)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def evaluate(rows: list[dict], vocabulary: Vocabulary | None = None) -> Evaluation:
    """Compare classify(headline, lead).labour_relevant with each row's label."""
    result = Evaluation()
    for row in rows:
        found = classify(row["headline"], row["lead"] or None, vocabulary=vocabulary)
        result.rows += 1
        if found.labour_relevant and row["label"]:
            result.tp += 1
        elif found.labour_relevant:
            result.fp += 1
            result.errors.append(("false positive", row, found))
        elif row["label"]:
            result.fn += 1
            result.errors.append(("false negative", row, found))
        else:
            result.tn += 1
    return result


# ---------------------------------------------------------------------------------- report parts
def _evidence(found) -> str:
    terms = [f"{e['term']} ({e['where']}, {e['points']:+g})" for e in found.topic_terms]
    return "; ".join(terms) or "no term matched"


def labelled_section(rows: list[dict], vocab: Vocabulary) -> list[str]:
    out = ["## 1. Labour relevance on real headlines with leads", "",
           f"`{LABELLED.relative_to(ROOT)}`: {len(rows)} rows, {sum(r['label'] for r in rows)} "
           f"labelled relevant. Threshold {vocab.threshold:g} (crawler/topics.toml).", "",
           "| rows | n | relevant | TP | FP | FN | TN | precision | recall |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    parts = [("all", rows), ("seen while writing the vocabulary (seeds)",
                             [r for r in rows if seen_while_writing(r)]),
             ("held out (collected after vocabulary v1)", [r for r in rows if not seen_while_writing(r)])]
    parts.append(("all, typed without diacritics (no tones, marks or đ)",
                  [{**r, "headline": without_marks(r["headline"]), "lead": without_marks(r["lead"])}
                   for r in rows]))
    evaluations = {}
    for name, part in parts:
        ev = evaluations[name] = evaluate(part, vocab)
        out.append(f"| {name} | {ev.rows} | {sum(r['label'] for r in part)} | {ev.tp} | {ev.fp} | "
                   f"{ev.fn} | {ev.tn} | {ev.precision:.3f} | {ev.recall:.3f} |")
    for name in ("all", parts[-1][0]):
        out += ["", f"### Errors ({name})", ""]
        errors = evaluations[name].errors
        if not errors:
            out.append("None.")
            continue
        out += ["| error | line | headline | score | terms that matched |", "|---|---:|---|---:|---|"]
        for kind, row, found in errors:
            out.append(f"| {kind} | {row['line']} | {row['headline']} | {found.score:g} | "
                       f"{_evidence(found)} |")
    named = [(r, t) for r in rows if r["label"] for t in r["topics"]]
    hits = sum(1 for r, t in named if t in classify(r["headline"], r["lead"] or None,
                                                     vocabulary=vocab).topics)
    out += ["", f"Topics named by hand on relevant rows: {len(named)}; found by `classify` from the "
                f"headline and lead: {hits}.", ""]
    return out


def page_reader():
    """(name, read(html, url) -> (title, sapo, body)): the page path as the crawl runs it."""
    from crawler.sites import spider_for_url
    try:
        from crawler.page import read_page
    except ImportError:
        def read(html, url):
            found = spider_for_url(url).read_page(html, url)[0]
            return found.title, found.sapo, found.body
        return "NewsSpider.read_page", read

    def read(html, url):
        found = read_page(spider_for_url(url), html, url).found
        return found.title, found.sapo, found.body
    return "crawler.page.read_page", read


def _fastest(call, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - start)
    return best * 1000, value


def replay_sections(vocab: Vocabulary, repeat: int) -> list[str]:
    from replay.web import ReplayWeb
    web = ReplayWeb()
    articles = web.articles()
    per_topic: Counter = Counter()
    relevant = 0
    for art in articles:
        gold = art.expected()
        found = classify(gold["title"], gold["sapo"], gold["body"], vocabulary=vocab)
        relevant += found.labour_relevant
        per_topic.update(found.topics)
        if not found.topics and found.labour_relevant:
            per_topic["(relevant, no topic)"] += 1
    out = ["## 2. Topics over the replay's articles", "",
           f"`ReplayWeb().articles()`: {len(articles)} articles ({len(articles) - 5} written by us "
           f"for the replay, 5 real seed articles), classified from their expected title, lead and "
           f"body. Labour-relevant: {relevant} of {len(articles)}.", "",
           "| topic | articles |", "|---|---:|"]
    for topic in vocab.topics:
        out.append(f"| {topic} | {per_topic.get(topic, 0)} |")
    if per_topic.get("(relevant, no topic)"):
        out.append(f"| (relevant, no topic) | {per_topic['(relevant, no topic)']} |")

    name, read = page_reader()
    page_ms, topic_ms, seed_page_ms, seed_topic_ms, sizes = [], [], [], [], []
    for art in articles:
        from urllib.parse import urlsplit
        parts = urlsplit(art.url)
        response = web.respond("GET", parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
        html = response.body.decode("utf-8")
        ms, (title, sapo, body) = _fastest(lambda: read(html, art.url), repeat)
        tms, _ = _fastest(lambda: classify(title or "", sapo, body, vocabulary=vocab), repeat)
        page_ms.append(ms)
        topic_ms.append(tms)
        sizes.append(len(body or ""))
        if art.seed:
            seed_page_ms.append(ms)
            seed_topic_ms.append(tms)
    out += ["", "## 3. Cost per article page", "",
            f"Each replay article page read by `{name}` (HTML → title, lead, body), then `classify` on "
            f"what it extracted; fastest of {repeat} runs per page, median over pages. Bodies: median "
            f"{statistics.median(sizes):.0f} characters, longest {max(sizes)}.", "",
            "| pages | n | page path ms (median) | classify ms (median) | classify ms (max) | classify / page path |",
            "|---|---:|---:|---:|---:|---:|"]
    for label, pms, tms in (("all replay articles", page_ms, topic_ms),
                            ("the 5 real seed articles", seed_page_ms, seed_topic_ms)):
        out.append(f"| {label} | {len(pms)} | {statistics.median(pms):.2f} | "
                   f"{statistics.median(tms):.3f} | {max(tms):.3f} | "
                   f"{statistics.median(tms) / statistics.median(pms):.1%} |")
    return out + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "topics.md")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    vocab = load_vocabulary()
    rows = read_labelled(args.labelled)
    lines = ["# Topic tagging: `crawler.topics.classify`", "",
             f"Command: `.venv/bin/python -m bench.topics --repeat {args.repeat}`. Machine: "
             f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
             f"Vocabulary: crawler/topics.toml ({len(vocab.terms)} terms, {len(vocab.topics)} topics).", ""]
    lines += labelled_section(rows, vocab)
    lines += replay_sections(vocab, args.repeat)
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
