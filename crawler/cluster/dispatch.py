"""Dispatch one Scrapyd job per site to the least busy node, and follow each job to its end.

What `newscrawl cluster crawl` and the scheduler (a [cluster] table in schedule.toml) do:

1. ``check()``: Redis answers, the one writer (`newscrawl cluster ingest`) is alive, at least one
   node answers. Otherwise nothing is dispatched (a crawl that cannot store does not fetch).
2. ``reconcile()``: jobs an earlier dispatcher left in flight whose process is gone are ended
   (a ``job_ended`` event: the writer marks a run left 'running' as 'interrupted').
3. ``dispatch(sites)``: a site already pending or running on any node is skipped (at most one
   crawl per site over the whole cluster: with CONCURRENT_REQUESTS_PER_DOMAIN = 1 and
   DOWNLOAD_DELAY that is one request at a time per host, politely apart, over all nodes).
   Otherwise the site's snapshot is exported from the database into Redis, and the job is
   scheduled on the node with the fewest pending and running jobs, with the settings
   NEWS_CLUSTER_REDIS, NEWS_CLUSTER_JOB and NEWS_CLUSTER_NODE (crawler/cluster/node.py).
4. ``follow(jobs)``: polls each node's listjobs.json; a job that finished, or that its node no
   longer knows (the node restarted), gets a ``job_ended`` event, which reaches the writer after
   everything the job's process sent.
5. ``wait_applied(jobs)``: until the writer applied every event of those jobs.
"""
from __future__ import annotations

import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from crawler.cluster.channel import Channel
from crawler.cluster.scrapyd import NodeError, ScrapydNode
from crawler.store import TZ, NewsDB

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0


class ClusterError(RuntimeError):
    """The cluster cannot take the crawl (no writer, no node): nothing was dispatched."""


@dataclass
class Job:
    job: str
    site: str
    node: str               # the node's URL
    state: str = "pending"  # pending, running, ended (finished or lost)
    ended_how: str = ""


def new_job_id(site: str) -> str:
    return f"{site}-{datetime.now(TZ):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """The cluster seen from the machine that holds the database `db_path`."""

    def __init__(self, db_path: str | Path, redis_url: str, node_urls: list[str]):
        if not node_urls:
            raise ClusterError("no Scrapyd node given: --node URL (or [cluster] nodes in "
                               "schedule.toml)")
        self.db_path = Path(db_path)
        self.channel = Channel(redis_url)
        self.nodes = [ScrapydNode(url) for url in node_urls]

    # --- before dispatching --------------------------------------------------------------------
    def check(self) -> None:
        self.channel.ping()
        writes = self.channel.writer_db()
        if writes is None:
            raise ClusterError(
                f"no ingest process writes {self.db_path} for Redis at {self.channel.url}: start "
                f"`newscrawl cluster ingest --db {self.db_path} --redis {self.channel.url}` (the "
                "one writer) first. Nothing was dispatched")
        if writes != str(self.db_path.resolve()):
            raise ClusterError(
                f"the ingest process for Redis at {self.channel.url} writes {writes}, not "
                f"{self.db_path}: the jobs would crawl against one database and store into "
                "another. Give the writer's --db here too. Nothing was dispatched")
        answering = [node for node, states in self.states().items() if states is not None]
        if not answering:
            raise ClusterError("no Scrapyd node answers (" + ", ".join(n.url for n in self.nodes)
                               + "): start them with `newscrawl cluster node`. Nothing was "
                               "dispatched")

    def states(self) -> dict[ScrapydNode, dict[str, list[dict]] | None]:
        """Each node's jobs by state, or None for a node that does not answer."""
        found: dict[ScrapydNode, dict[str, list[dict]] | None] = {}
        for node in self.nodes:
            try:
                found[node] = node.jobs()
            except NodeError as exc:
                logger.warning("%s", exc)
                found[node] = None
        return found

    def reconcile(self, states=None) -> list[str]:
        """End the jobs in flight whose process is gone (a dispatcher stopped before it saw
        them end). Returns their ids."""
        states = states if states is not None else self.states()
        ended = []
        for job, info in self.channel.jobs().items():
            how = self._ended(job, info["node"], states)
            if how:
                self._send_ended(Job(job, info["site"], info["node"]), how)
                ended.append(job)
        return ended

    def _ended(self, job: str, node_url: str, states) -> str:
        """'' while the job is pending or running (or its node does not answer), else how it
        ended: 'finished' or 'lost'."""
        node_states = next((s for n, s in states.items() if n.url == node_url.rstrip("/")),
                           None)
        if node_states is None:
            # a node that does not answer, or that is no longer in the list: nothing known yet
            return "" if any(n.url == node_url.rstrip("/") for n in states) else "lost"
        if any(j["id"] == job for j in node_states["finished"]):
            return "finished"
        if any(j["id"] == job for state in ("pending", "running") for j in node_states[state]):
            return ""
        return "lost"

    def _send_ended(self, job: Job, how: str) -> None:
        reason = ("the crawl process ended without closing its run (killed, or it crashed): "
                  f"see the job's log on {job.node}" if how == "finished" else
                  f"the node {job.node} no longer knows the job (it restarted?)")
        self.channel.send("job_ended", job=job.job, site=job.site, node=job.node, how=how,
                          reason=reason)
        if how == "finished":       # its process is gone: its hold on the site goes too
            self.channel.release_site(job.site, job.job)
        job.state, job.ended_how = "ended", how

    # --- dispatching ---------------------------------------------------------------------------
    def busy_sites(self, states) -> dict[str, str]:
        """Sites with a job pending or running somewhere: {site: where}."""
        busy = {}
        for node, node_states in states.items():
            for state in ("pending", "running"):
                for job in (node_states or {}).get(state, []):
                    busy[job["spider"]] = f"job {job['id']} is {state} on {node.url}"
        for job, info in self.channel.jobs().items():     # nodes that did not answer
            busy.setdefault(info["site"], f"job {job} on {info['node']} has not ended")
        return busy

    def site_is_held(self, site: str) -> str:
        """'' or why `site` is being crawled (a crawl holds its lock: crawler/cluster/node.py)."""
        holder = self.channel.site_holder(site)
        return f"job {holder} is crawling it (its lock in Redis)" if holder else ""

    def dispatch(self, sites: list[str], settings: dict[str, Any] | None = None
                 ) -> tuple[list[Job], dict[str, str]]:
        """Schedule one job per site; returns (jobs, {site: why it was skipped})."""
        states = self.states()
        self.reconcile(states)
        busy = self.busy_sites(states)
        load = {node: len(s["pending"]) + len(s["running"])
                for node, s in states.items() if s is not None}
        jobs, skipped = [], {}
        for site in sites:
            if site not in busy and self.site_is_held(site):
                busy[site] = self.site_is_held(site)
            if site in busy:
                skipped[site] = busy[site]
                logger.warning("%s: not dispatched: %s (one crawl per site at a time)", site,
                               busy[site])
                continue
            if not load:
                skipped[site] = "no node answers"
                continue
            node = min(load, key=lambda n: load[n])
            job = Job(new_job_id(site), site, node.url)
            try:
                self._schedule(job, node, settings or {})
            except NodeError as exc:
                skipped[site] = str(exc)
                logger.error("%s: not dispatched: %s", site, exc)
                continue
            load[node] += 1
            jobs.append(job)
        return jobs, skipped

    def _schedule(self, job: Job, node: ScrapydNode, settings: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="newscrawl-snapshot-") as tmp:
            with NewsDB(self.db_path) as db:
                path = db.export_site(job.site, Path(tmp) / "snapshot.db")
            self.channel.put_snapshot(job.job, path.read_bytes())
        self.channel.add_job(job.job, job.site, job.node)
        try:
            node.schedule(job.site, job.job, {
                **settings, "NEWS_CLUSTER_REDIS": self.channel.url,
                "NEWS_CLUSTER_JOB": job.job, "NEWS_CLUSTER_NODE": node.url})
        except NodeError:
            self.channel.drop_job(job.job)
            self.channel.drop_snapshot(job.job)
            raise
        logger.info("%s: job %s scheduled on %s", job.site, job.job, node.url)

    # --- following -----------------------------------------------------------------------------
    def follow(self, jobs: list[Job], timeout: float | None = None,
               on_change: Callable[[Job], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> list[Job]:
        """Poll the nodes until every job ended (or `timeout` seconds, or `should_stop()`);
        returns those still pending or running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        open_jobs = [job for job in jobs if job.state != "ended"]
        while open_jobs:
            states = self.states()
            for job in list(open_jobs):
                how = self._ended(job.job, job.node, states)
                if how:
                    self._send_ended(job, how)
                    open_jobs.remove(job)
                elif job.state == "pending" and any(
                        j["id"] == job.job for n, s in states.items() if s is not None
                        for j in s["running"]):
                    job.state = "running"
                else:
                    continue
                if on_change:
                    on_change(job)
            if not open_jobs or (deadline is not None and time.monotonic() >= deadline) or \
                    (should_stop is not None and should_stop()):
                break
            time.sleep(POLL_SECONDS)
        return open_jobs

    def cancel(self, job: Job) -> None:
        """Stop a job (Scrapyd sends its process SIGTERM: the run ends 'interrupted')."""
        node = next(n for n in self.nodes if n.url == job.node.rstrip("/"))
        node.cancel(job.job)

    def wait_applied(self, jobs: list[Job], timeout: float | None = None) -> bool:
        """Wait until the writer applied every event of `jobs` (they left newscrawl:jobs)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        wanted = {job.job for job in jobs}
        warned_at = None
        while wanted & set(self.channel.jobs()):
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return False
            if not self.channel.writer_alive() and (warned_at is None or now - warned_at > 60):
                warned_at = now
                logger.warning("the ingest process is not running: %d event(s) wait in Redis "
                               "until `newscrawl cluster ingest` is started again",
                               self.channel.pending())
            time.sleep(POLL_SECONDS / 2)
        return True

    def runs(self, jobs: list[Job]) -> list[dict]:
        """The crawl_runs row of each job (None where the writer recorded none)."""
        with NewsDB(self.db_path) as db:
            return [db.run_of_job(job.job) for job in jobs]
