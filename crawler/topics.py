"""Union and labour topics of an article, explainably: which topics, is it about labour, and why.

    from crawler.topics import classify
    t = classify("Hà Nội: Tăng lương tối thiểu vùng từ 1/7", "Người lao động được hưởng mức lương mới")
    t.topics            # ["tiền lương và thu nhập"]
    t.labour_relevant   # True
    t.topic_terms       # [{"term": "tăng lương", "topic": "tiền lương và thu nhập", "where": "title",
                        #   "count": 1, "kind": "strong", "points": 9.0}, {"term": "mức lương", ...},
                        #  {"term": "người lao động", "topic": None, "where": "sapo", ...}]
    (a match takes the longest term starting at the leftmost word: "tăng lương" here, so the
    "lương" of "lương tối thiểu vùng" is already taken.)

The vocabulary and the scoring rules live in the data file `crawler/topics.toml` (documented at
its top; a user edits it, no code changes). This module only reads it and applies it:

* Text and vocabulary are "d-folded" the same way: NFC, lower case, đ→d. In the one regular
  expression built from the whole vocabulary (a trie of the terms, so a long body costs one pass,
  not one pass per term), each marked letter of a term also accepts its bare letter: "công" is
  `c[ôo]ng`. So a word matches when written like the term (with đ or d) or without marks:
  "cong doan" and "công doàn" match "công đoàn", "công nhận" does not match "công nhân".
  Matches are whole words and phrases, never inside a word; in a phrase, a space also matches a
  comma or a hyphen.
* Exclude phrases are in the same expression; the longest phrase starting at a word wins, so
  "đoàn viên thanh niên" hides the "đoàn viên" inside it.
* Scores, threshold and topic assignment: see topics.toml.

`classify` costs well under a millisecond for a typical article (bench/topics.py measures it).
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("topics.toml")
FIELDS = ("title", "sapo", "body")
_WORD = re.compile(r"\w+")
# What may stand between the words of a phrase in a text: spaces, a comma, a hyphen or dash.
_SEPARATOR = r"[\s,\-\u2013\u2014]+"


class VocabularyError(ValueError):
    """The vocabulary file is not what crawler/topics.py expects (the message says where)."""


# ---------------------------------------------------------------------------------- folding
def _strip_table() -> dict[int, str]:
    """Each marked Latin letter (Vietnamese tones and vowel marks) -> its bare lower-case letter."""
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0xC0, 0x2000):   # Latin-1 supplement .. Latin extended additional
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if len(base) == 1 and base != char and base.isascii():
            table[code] = base.lower()
    return table


_STRIP = _strip_table()


def d_fold(text: str) -> str:
    """NFC, lower case, đ→d: 'Công Đoàn' -> 'công doàn' (the form the expression searches)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.lower().replace("đ", "d")


def fold(text: str) -> str:
    """Lower case, no tones or vowel marks, đ→d: 'Công Đoàn Hà Nội' -> 'cong doan ha noi'."""
    return d_fold(text).translate(_STRIP)


# ---------------------------------------------------------------------------------- vocabulary
@dataclass(frozen=True)
class Term:
    text: str            # as written in the vocabulary file
    topic: str | None    # None: a [labour] or [negative] term
    kind: str            # strong | weak | labour | labour-weak | negative | exclude
    weight: float        # points per match before the field weight (0 for exclude)
    words: tuple[str, ...]   # d-folded words, to check the diacritics of a match
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self):      # terms are counted in dicts, article after article: the
        object.__setattr__(self, "_hash", hash(           # dataclass's hash, computed once
            (self.text, self.topic, self.kind, self.weight, self.words)))

    def __hash__(self) -> int:
        return self._hash


@dataclass
class Vocabulary:
    path: Path
    threshold: float
    topic_threshold: float
    body_cap: int
    field_weight: dict[str, float]
    topics: dict[str, str]                          # topic -> description
    terms: list[Term]
    by_key: dict[str, list[Term]] = field(repr=False)   # folded words joined by " " -> terms
    pattern: re.Pattern = field(repr=False)
    # a matched span as written -> the terms it counts for (the same few spans recur in every
    # article: "người lao động", "công đoàn"), resolved once
    resolved: dict[str, tuple[Term, ...]] = field(default_factory=dict, repr=False, compare=False)


def _key(text: str) -> str:
    """The folded words of a term or of a matched span, joined by one space."""
    return " ".join(_WORD.findall(fold(text)))


def _trie_regex(terms: list[str]) -> re.Pattern:
    """One expression matching any of the (d-folded) terms as whole words, the longest term at a
    given start; a marked letter also accepts its bare letter, a space any separator."""
    trie: dict = {}
    for term in terms:
        node = trie
        for char in " ".join(_WORD.findall(term)):
            node = node.setdefault(char, {})
        node[""] = True

    def step(char: str) -> str:
        if char == " ":
            return _SEPARATOR
        bare = char.translate(_STRIP)
        return f"[{char}{bare}]" if bare != char else re.escape(char)

    def emit(node: dict) -> str:
        branches = [step(char) + emit(node[char]) for char in sorted(c for c in node if c)]
        if "" in node:                 # a term ends here: after trying to go on (longest first)
            branches.append(r"(?!\w)")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    # A term starts where a word starts: the expression takes the character before it (not a
    # letter or digit: the text is given with a space in front, `_matches`) and returns the term
    # as its group. Starting with a class of characters, it lets the regex engine skip over the
    # letters of words at C speed instead of trying the trie at every position (as
    # `(?<!\w)term` made it do): the same matches, in a third less time.
    return re.compile(r"\W(" + emit(trie) + ")")


def _strings(table: dict, name: str, where: str) -> list[str]:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise VocabularyError(f"{where}: '{name}' must be a list of non-empty strings")
    return value


def _number(table: dict, name: str, where: str) -> float:
    value = table.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise VocabularyError(f"{where}: '{name}' must be a number, got {value!r}")
    return float(value)


def parse_vocabulary(data: dict, path: Path) -> Vocabulary:
    """Check and compile the parsed TOML of a vocabulary file."""
    where = str(path)
    scoring = data.get("scoring")
    if not isinstance(scoring, dict):
        raise VocabularyError(f"{where}: a [scoring] table is required")
    term_weight = scoring.get("term_weight", {})
    field_weight = scoring.get("field_weight", {})
    for name, table in (("term_weight", term_weight), ("field_weight", field_weight)):
        if not isinstance(table, dict):
            raise VocabularyError(f"{where}: [scoring].{name} must be a table")
    weights = {k: _number(term_weight, k, f"{where} [scoring.term_weight]") for k in ("strong", "weak")}
    fields = {k: _number(field_weight, k, f"{where} [scoring.field_weight]") for k in FIELDS}
    body_cap = scoring.get("body_cap")
    if not isinstance(body_cap, int) or body_cap < 1:
        raise VocabularyError(f"{where}: [scoring].body_cap must be a whole number ≥ 1")

    terms: list[Term] = []

    def add(texts: list[str], topic: str | None, kind: str, weight: float) -> None:
        for text in texts:
            words = tuple(_WORD.findall(d_fold(text)))
            if not words:
                raise VocabularyError(f"{where}: term {text!r} ({topic or kind}) has no letters")
            terms.append(Term(unicodedata.normalize("NFC", text), topic, kind, weight, words))

    labour = data.get("labour", {})
    add(_strings(labour, "terms", f"{where} [labour]"), None, "labour",
        _number(labour, "weight", f"{where} [labour]"))
    add(_strings(labour, "weak", f"{where} [labour]"), None, "labour-weak",
        _number(labour, "weak_weight", f"{where} [labour]"))
    negative = data.get("negative", {})
    negative_weight = _number(negative, "weight", f"{where} [negative]")
    if negative_weight > 0:
        raise VocabularyError(f"{where}: [negative].weight must be ≤ 0, got {negative_weight}")
    add(_strings(negative, "terms", f"{where} [negative]"), None, "negative", negative_weight)

    topics = data.get("topic")
    if not isinstance(topics, dict) or not topics:
        raise VocabularyError(f'{where}: at least one [topic."name"] table is required')
    descriptions = {}
    for name, table in topics.items():
        here = f'{where} [topic."{name}"]'
        if not isinstance(table, dict):
            raise VocabularyError(f"{here} must be a table")
        unknown = set(table) - {"description", "strong", "weak", "exclude"}
        if unknown:
            raise VocabularyError(f"{here}: unknown keys {sorted(unknown)} "
                                  "(expected description, strong, weak, exclude)")
        topic = unicodedata.normalize("NFC", name)
        descriptions[topic] = str(table.get("description", ""))
        add(_strings(table, "strong", here), topic, "strong", weights["strong"])
        add(_strings(table, "weak", here), topic, "weak", weights["weak"])
        add(_strings(table, "exclude", here), topic, "exclude", 0.0)

    by_key: dict[str, list[Term]] = defaultdict(list)
    for term in terms:
        key = _key(term.text)
        for other in by_key[key]:
            if other.words == term.words and (other.kind == "exclude") != (term.kind == "exclude"):
                raise VocabularyError(f"{where}: {term.text!r} is both a term and an exclude phrase "
                                      f"({other.topic or other.kind}, {term.topic or term.kind})")
            if other.words == term.words and other.topic == term.topic:
                raise VocabularyError(f"{where}: {term.text!r} is listed twice under "
                                      f"{term.topic or 'the same section'} ({other.kind}, {term.kind})")
        by_key[key].append(term)
    return Vocabulary(path=path, threshold=_number(scoring, "threshold", f"{where} [scoring]"),
                      topic_threshold=_number(scoring, "topic_threshold", f"{where} [scoring]"),
                      body_cap=body_cap, field_weight=fields, topics=descriptions, terms=terms,
                      by_key=dict(by_key),
                      pattern=_trie_regex(sorted({" ".join(t.words) for t in terms})))


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The vocabulary in `path` (default crawler/topics.toml), read again when the file changes."""
    path = Path(path) if path else VOCABULARY_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise VocabularyError(f"cannot read the topic vocabulary {path}: {exc}") from exc
    return _load(_resolved(path) if path.is_absolute() else path.resolve(), stamp)


@lru_cache(maxsize=64)
def _resolved(path: Path) -> Path:
    """An absolute path with its links resolved, once (not on every article classified)."""
    return path.resolve()


@lru_cache(maxsize=8)
def _load(path: Path, stamp: int) -> Vocabulary:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VocabularyError(f"{path}: not a readable TOML vocabulary ({exc}); "
                              "fix the file (see the comments at its top)") from exc
    return parse_vocabulary(data, path)


# ---------------------------------------------------------------------------------- classify
@dataclass
class Topics:
    topics: list[str]                 # topic names from the vocabulary, highest score first
    labour_relevant: bool
    topic_terms: list[dict]           # evidence: term, topic, where, count, kind, points
    score: float = 0.0                # the total that was compared with the threshold

    def as_dict(self) -> dict:
        return {"topics": self.topics, "labour_relevant": self.labour_relevant,
                "topic_terms": self.topic_terms}


def _matches(vocab: Vocabulary, text: str) -> dict[Term, int]:
    """How often each term occurs in `text`, as a whole word or phrase with compatible marks."""
    found: dict[Term, int] = defaultdict(int)
    resolved = vocab.resolved
    # each span as written once, in the order of its first match (so terms come in the order
    # of their first match, as when counted match by match)
    for span, count in Counter(vocab.pattern.findall(" " + d_fold(text))).items():
        candidates = resolved.get(span)
        if candidates is None:
            candidates = _terms_of(vocab, span)
            if len(resolved) < 50_000:
                resolved[span] = candidates
        for term in candidates:
            found[term] += count
    return found


def _terms_of(vocab: Vocabulary, span: str) -> tuple[Term, ...]:
    """The terms a matched span counts for: those of its words; of terms that differ only by
    their marks, the one written so."""
    candidates = vocab.by_key.get(_key(span), ())
    if len(candidates) > 1:
        written = _WORD.findall(span)
        best = max(sum(w == t for w, t in zip(written, c.words)) for c in candidates)
        candidates = [c for c in candidates
                      if sum(w == t for w, t in zip(written, c.words)) == best]
    return tuple(candidates)


def classify(title: str, sapo: str | None = None, body: str | None = None,
             vocabulary: Vocabulary | None = None) -> Topics:
    """Topics and labour relevance of one article from its headline, lead and body."""
    vocab = vocabulary or load_vocabulary()
    evidence = []
    total = 0.0
    per_topic: dict[str, float] = defaultdict(float)
    for where, text in zip(FIELDS, (title, sapo, body)):
        if not text:
            continue
        factor = vocab.field_weight[where]
        for term, count in _matches(vocab, text).items():
            counted = min(count, vocab.body_cap) if where == "body" else count
            points = term.weight * factor * counted
            total += points
            if term.topic and term.kind != "exclude":
                per_topic[term.topic] += points
            evidence.append({"term": term.text, "topic": term.topic, "where": where,
                             "count": count, "kind": term.kind, "points": round(points, 2)})
    relevant = total >= vocab.threshold
    topics = sorted((t for t, s in per_topic.items() if s >= vocab.topic_threshold),
                    key=lambda t: (-per_topic[t], t)) if relevant else []
    evidence.sort(key=lambda e: (FIELDS.index(e["where"]), -abs(e["points"]), e["term"]))
    return Topics(topics=topics, labour_relevant=relevant, topic_terms=evidence,
                  score=round(total, 2))
