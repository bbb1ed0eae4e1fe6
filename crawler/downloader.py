"""Scrapy's downloader, holding CONCURRENT_REQUESTS_PER_DOMAIN when DOWNLOAD_DELAY is 0.

Scrapy 2.19's ``Downloader._process_queue`` starts queued requests of a slot while
``slot.free_transfer_slots() > 0``, but a request only counts as transferring once its download
coroutine runs, after the loop: with no delay, every queued request of the slot starts at once
(seen on the replay: up to 7 requests in flight to one host with CONCURRENT_REQUESTS_PER_DOMAIN
= 1). With a delay (the default, 1 s) Scrapy starts one request and waits, so live crawls were
polite; a user who sets DOWNLOAD_DELAY = 0 for a site that allows it, the demo, the tests and the
benchmarks were not. Here a request counts as transferring from the moment it is started.
"""
from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot, _schedule_coro


class PoliteDownloader(Downloader):
    """Scrapy's Downloader; with no delay, at most `slot.concurrency` requests in flight."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall or slot.download_delay():
            super()._process_queue(slot)    # Scrapy's own path: one request, then the delay
            return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = monotonic()
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now; _download removes it when done
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
