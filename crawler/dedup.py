"""Telling copies from originals: one story, one row.

Three ways an incoming article can be a story we already have (checked by `crawler.store`):
1. the same site id: same site and `article_id`, under any URL spelling (a changed slug);
2. a mirror: another host serving the original's slug and id (`/<slug>-118053.html`), matched by
   the last path segment (`slug_key`, indexed);
3. syndication: near-identical body text on another site, matched by MinHash over word 4-shingles
   (datasketch's MinHash, computed here with numpy), found through LSH bands kept in an indexed table so a lookup costs the same with
   1,000 or 100,000 stored articles.

The earlier publication is the original; the other is recorded in `duplicates` with how it
matched and the estimated similarity.

Threshold: two bodies are the same story when their estimated 4-shingle Jaccard similarity is at
least `NEAR_DUPLICATE_THRESHOLD` (0.6). Distinct articles of the replay, generated from shared
phrase lists, reach 0.27 at 100,000 articles (bench/results/dedup.md); a syndicated copy with a
reworded lead and a dropped paragraph keeps 0.65-0.94. Candidates come from two index lookups:
21 LSH bands of 6 rows (126 of the 128 permutations; each band's key a 64-bit integer), which make a pair a candidate with
probability 1-(1-s^6)^21 (0.9987 at s=0.8, 0.93 at 0.7, 0.81 at 0.65, 0.005 at 0.25, so unrelated
articles rarely cost a comparison), and the same headline on another site (syndication keeps it).
Each candidate is then checked against the threshold.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import numpy as np

NUM_PERM = 128
BANDS, ROWS = 21, 6
NEAR_DUPLICATE_THRESHOLD = 0.6
MIN_SHINGLES = 20            # shorter bodies are not compared (too little text to tell)
_WORDS = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = 4) -> set[bytes]:
    """The body's word `size`-grams, lower case, as UTF-8 (words joined by one space)."""
    words = _WORDS.findall(text.lower())
    # map in C rather than a set comprehension's Python-level loop (the same set)
    return set(map(str.encode, map(" ".join, zip(*(words[i:] for i in range(size))))))


# MinHash as datasketch 2.0 computes it (`MinHash(num_perm=128, seed=1)`, scheme "affine32": the
# first 4 bytes of SHA-1 of each shingle, the MurmurHash3 32-bit finalizer, then a_k * h + b_k
# modulo 2^32 for each of the 128 permutations drawn from numpy's RandomState(1)), written out
# here with numpy so that a crawl process does not import datasketch (which imports scipy: 0.9 s
# of every process's start). tests/test_storage.py checks it against datasketch, value for value.
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_A, _B = _permutations()


def _fmix32(hv: np.ndarray) -> np.ndarray:
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of a body (uint32 array of NUM_PERM), or None for a body too short
    to compare."""
    grams = shingles(text)
    if len(grams) < MIN_SHINGLES:
        return None
    sha1 = hashlib.sha1
    digests = b"".join([sha1(g).digest()[:4] for g in grams])
    hv = _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32)).reshape(-1, 1)
    permuted = hv * _A          # uint32 arithmetic wraps around: modulo 2^32, as intended
    permuted += _B
    return permuted.min(axis=0)


_BAND_SALTS = [band.to_bytes(16, "little") for band in range(BANDS)]
_BAND_BYTES = ROWS * 8


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per LSH band (a signed 64-bit integer: the band number and its rows, hashed):
    articles sharing any key are candidates."""
    wide = sig.astype("<u8").tobytes()       # each band: its ROWS values as 64-bit integers
    blake2b, size = hashlib.blake2b, _BAND_BYTES
    return [int.from_bytes(blake2b(wide[band * size:(band + 1) * size], digest_size=8,
                                   salt=salt).digest(), "little", signed=True)
            for band, salt in enumerate(_BAND_SALTS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two bodies behind two signatures."""
    return float(np.mean(a == b))


def to_blob(sig: np.ndarray) -> bytes:
    """The signature as stored: 128 little-endian 32-bit values (512 bytes; MinHash values are
    below 2^32)."""
    return sig.astype("<u4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """A stored signature: 32-bit values, or 64-bit ones as stored before (1,024 bytes)."""
    if len(blob) == NUM_PERM * 8:
        return np.frombuffer(blob, dtype="<u8").astype(np.uint32)
    return np.frombuffer(blob, dtype="<u4")


def slug_key(url: str) -> str | None:
    """The last path segment, the part a mirror copies: `chu-dong-...-118053.html`."""
    segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return segment if re.search(r"\d{3,}", segment) else None
