"""The crawl's stats collector: Scrapy's MemoryStatsCollector, without its per-access wrapper.

Scrapy 2.19's StatsCollector defines ``__getattribute__`` to wrap its methods in a warning about
a deprecated ``spider`` argument: every attribute access, the collector's own ``self._stats``
included, first looks for a ``_cached_<name>`` attribute and catches the AttributeError. An
``inc_value`` costs ~1.7 us instead of ~0.1 us, and a crawl makes ~20,000 of them (Scrapy's
counters, the rule and layer counts of every page, crawler/health.py). Nothing here passes
``spider`` to a stats method; the methods, the values and the dump at close are Scrapy's.
"""
from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class StatsCollector(MemoryStatsCollector):
    """Scrapy's MemoryStatsCollector with plain attribute access (STATS_CLASS)."""

    __getattribute__ = object.__getattribute__
