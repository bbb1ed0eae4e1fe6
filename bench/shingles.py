"""The metric of the public article-extraction benchmark (scrapinghub/article-extraction-benchmark).

A text is split into `\\w+` tokens (Unicode) and read as the multiset of its 4-token shingles
(overlapping runs of 4 consecutive tokens). For one page, the prediction's and the truth's
multisets give true positives (shingles in both, counted min(pred, true) times), false positives
(in the prediction beyond the truth) and false negatives (in the truth beyond the prediction);
the three are normalised to sum to 1 so a long page weighs no more than a short one.

Over a set of pages, precision is the mean of tp / (tp + fp) over the pages whose prediction is
non-empty, recall the mean of tp / (tp + fn) over the pages whose truth is non-empty, and
F1 = 2PR / (P + R).

A text with fewer than 4 tokens (but at least one) is read as its tokens, each token one shingle.
(The benchmark's own evaluate.py makes one shorter shingle of all the tokens instead; the two agree
for every text of 4 tokens or more, which is every page of the benchmark.) A text without tokens
is empty.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter

TOKEN = re.compile(r"\w+", re.UNICODE)
N = 4


def tokens(text: str | None) -> list[str]:
    return TOKEN.findall(text or "")


def shingles(text: str | None, n: int = N) -> Counter:
    """The multiset of `n`-token shingles of `text` (its tokens when it has fewer than `n`)."""
    words = tokens(text)
    if len(words) < n:
        return Counter((word,) for word in words)
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def page_scores(prediction: str | None, truth: str | None) -> tuple[float, float, float]:
    """(tp, fp, fn) for one page, normalised to sum to 1; (0, 0, 0) when both texts are empty."""
    pred, true = shingles(prediction), shingles(truth)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def aggregate(scores) -> dict:
    """{precision, recall, f1, pages} over the (tp, fp, fn) of many pages.

    Precision is averaged over pages with a non-empty prediction (tp + fp > 0), recall over pages
    with a non-empty truth (tp + fn > 0); a mean over no page is 0.
    """
    scores = list(scores)
    precisions = [tp / (tp + fp) for tp, fp, fn in scores if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, fp, fn in scores if tp + fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": len(scores)}
