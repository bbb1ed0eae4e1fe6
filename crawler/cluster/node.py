"""The crawl's database on a cluster node: the site's snapshot, read here, every write sent on.

When ``NEWS_CLUSTER_REDIS`` is set (a Scrapyd job the dispatcher scheduled), crawler/runs.py
opens a ``NodeDB`` instead of the local file. It is a NewsDB on a temporary copy of the site's
snapshot (the database file the dispatcher exported for this job: stored URLs and ids, copies,
refusals, recent runs, validators), so the spider, its discovery, the retry of failed URLs and
the health check read exactly what a local crawl reads: a node never requests an article the
writer held at job start, and a listing walk stops where it stops locally.

Every write of the crawl goes to the writer through the channel, in order: the run's start, each
article (with its raw page), each refused page (with its HTML), the run's end with its counters
and health. It is also applied to the snapshot, so the rest of the run sees it as a local run
would. Sending comes first: if Redis cannot take an event, the write fails like a full disk
(the crawl stops as 'failed'; what was not sent is fetched again next run).

One crawl per site over the cluster: the job takes its site's lock in Redis before anything is
fetched (a job of a site another job is crawling fetches nothing), keeps it while it runs and
frees it at the end; the lock of a killed job expires, or the dispatcher frees it when it sees
the job's process gone.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from crawler.cluster.channel import (SITE_LOCK_REFRESH, SITE_LOCK_TTL, Channel, ChannelError,
                                     article_to_wire, bytes_to_wire, node_name)
from crawler.store import NewsDB, OpenError

logger = logging.getLogger(__name__)


class NodeDB(NewsDB):
    """See the module. `job`: the Scrapyd job id (NEWS_CLUSTER_JOB), whose snapshot is read."""

    def __init__(self, redis_url: str, job: str, site: str, node: str | None = None):
        self.channel = Channel(redis_url)
        self.job, self.site, self.node = job, site, node or node_name()
        where = f"the snapshot of job {job} in Redis at {redis_url}"
        try:
            data = self.channel.snapshot(job)
        except ChannelError as exc:
            raise OpenError(Path(where), str(exc)) from None
        if data is None:
            raise OpenError(Path(where), f"the snapshot of job {job} is missing (expired, or "
                            "the job was not scheduled by `newscrawl cluster crawl`, which "
                            "exports it); schedule the crawl with `newscrawl cluster crawl` or "
                            "the scheduler")
        holder = self._claim(site, job, where)
        if holder is not None:
            raise OpenError(Path(where), f"{site} is being crawled by job {holder} now (one "
                            "crawl per site at a time over the cluster); this job fetches "
                            "nothing. Wait for that job to end, or cancel it on its node")
        self._held = threading.Event()
        self._keeper = threading.Thread(target=self._keep_site, name=f"site-lock-{site}",
                                        daemon=True)
        self._keeper.start()
        try:
            self._workdir = Path(tempfile.mkdtemp(prefix=f"newscrawl-{site}-"))
            path = self._workdir / "snapshot.db"
            path.write_bytes(data)
            super().__init__(path)
        except BaseException:
            self.close()            # frees the site and the temporary copy
            raise

    def _claim(self, site: str, job: str, where: str) -> str | None:
        try:
            return self.channel.claim_site(site, job)
        except ChannelError as exc:
            raise OpenError(Path(where), str(exc)) from None

    def _keep_site(self) -> None:
        """Keep this job's hold on its site while the crawl runs (a thread); a hold lost (Redis
        lost its data, or the lock expired) makes the next write fail: the crawl stops."""
        while not self._held.wait(SITE_LOCK_REFRESH):
            try:
                if not self.channel.refresh_site(self.site, self.job):
                    self._lost = (f"job {self.job} lost its hold on {self.site} (now "
                                  f"{self.channel.site_holder(self.site)!r})")
                    return
            except ChannelError as exc:
                logger.warning("[%s] cannot renew the site's lock: %s", self.site, exc)

    @classmethod
    def from_settings(cls, settings: Any, site: str) -> "NodeDB":
        job = settings.get("NEWS_CLUSTER_JOB")
        if not job:
            raise OpenError(Path(settings.get("NEWS_CLUSTER_REDIS")),
                            "NEWS_CLUSTER_JOB is not set: a cluster crawl needs the job id its "
                            "snapshot was exported for; schedule it with `newscrawl cluster crawl`")
        return cls(settings.get("NEWS_CLUSTER_REDIS"), job, site,
                   settings.get("NEWS_CLUSTER_NODE") or None)

    _lost: str | None = None

    def _send(self, kind: str, **data: Any) -> None:
        if self._lost:
            raise ChannelError(f"{self._lost}: another crawl of the site may be running; this "
                               "one stops (what it sent is stored)")
        self.channel.send(kind, job=self.job, node=self.node, site=self.site, **data)

    # --- writes: sent to the writer, then applied here -----------------------------------------
    def start_run(self, spider: str, pid: int) -> int:
        run_id = super().start_run(spider, pid)
        self._send("run_start", pid=pid, started_at=self.run_started_at(run_id))
        return run_id

    def store_article(self, article: Any, content_type: str = "text/html",
                      changed_at: str | None = None) -> str:
        self._send("article", article=article_to_wire(article), content_type=content_type)
        html, article.html = article.html, None     # the page is kept by the writer only
        try:
            return super().store_article(article, content_type, changed_at)
        finally:
            article.html = html

    def keep_refused(self, site: str, url: str, html: bytes | str | None, fetched_at: str,
                     content_type: str | None, reason: str, for_good: bool) -> None:
        self._send("refused", url=url, html=bytes_to_wire(html), fetched_at=fetched_at,
                   content_type=content_type, reason=reason, for_good=bool(for_good))
        super().keep_refused(site, url, None, fetched_at, content_type, reason, for_good)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        super().finish_run(run_id, **fields)
        row = self.runs([run_id])[0]
        self._send("run_end", fields={k: v for k, v in row.items()
                                      if k not in ("id", "spider", "started_at", "pid", "node",
                                                   "job")})

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            super().close()
        if getattr(self, "_keeper", None) is not None:
            self._held.set()
            self._keeper = None
            try:
                self.channel.release_site(self.site, self.job)
            except ChannelError as exc:
                logger.warning("[%s] cannot release the site's lock (it expires in %d s): %s",
                               self.site, SITE_LOCK_TTL, exc)
        workdir = getattr(self, "_workdir", None)
        if workdir is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(workdir)
            self._workdir = None

    def __repr__(self) -> str:
        return f"NodeDB(job={self.job!r}, site={self.site!r}, pid={os.getpid()})"
