"""A Scrapyd node's HTTP API, as the dispatcher uses it (schedule.json, listjobs.json, cancel.json).

Requests go straight to the node, never through http_proxy / https_proxy (the nodes are on the
cluster's own network). A node that does not answer, or answers with an error, is a
``NodeError`` naming the node and what to do.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from crawler.cluster.nodeconf import PROJECT

TIMEOUT = 15.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NodeError(RuntimeError):
    """A Scrapyd node did not answer, or refused."""


class ScrapydNode:
    """The Scrapyd at `url` (e.g. http://10.0.0.5:6800)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def __repr__(self) -> str:
        return f"ScrapydNode({self.url!r})"

    def _call(self, endpoint: str, params: list[tuple[str, str]] | None = None,
              post: bool = False) -> dict:
        query = urllib.parse.urlencode(params or [])
        url = f"{self.url}/{endpoint}"
        if post:
            request = urllib.request.Request(url, data=query.encode("utf-8"), method="POST")
        else:
            request = urllib.request.Request(f"{url}?{query}" if query else url)
        try:
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise NodeError(f"Scrapyd node {self.url}: {endpoint} answered HTTP {exc.code}; "
                            "check its log (scrapyd.log in the node's folder)") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise NodeError(f"Scrapyd node {self.url} does not answer ({exc}); start it with "
                            "`newscrawl cluster node` or remove it from the node list") from None
        if answer.get("status") != "ok":
            raise NodeError(f"Scrapyd node {self.url}: {endpoint} failed: "
                            f"{answer.get('message', answer)}")
        return answer

    def status(self) -> dict:
        """daemonstatus.json: {"pending", "running", "finished", "node_name"}."""
        return self._call("daemonstatus.json")

    def jobs(self) -> dict[str, list[dict]]:
        """listjobs.json of the newscrawl project: {"pending": [...], "running": [...],
        "finished": [...]}, each job {"id", "spider", "pid"?, "start_time"?, ...}."""
        answer = self._call("listjobs.json", [("project", PROJECT)])
        return {state: list(answer.get(state) or []) for state in
                ("pending", "running", "finished")}

    def schedule(self, spider: str, job: str, settings: dict[str, Any],
                 args: dict[str, str] | None = None) -> str:
        """Queue a crawl of `spider` as job `job` with these Scrapy settings; returns the id."""
        params = [("project", PROJECT), ("spider", spider), ("jobid", job)]
        params += [("setting", f"{name}={value}") for name, value in settings.items()]
        params += list((args or {}).items())
        return self._call("schedule.json", params, post=True).get("jobid", job)

    def cancel(self, job: str) -> None:
        self._call("cancel.json", [("project", PROJECT), ("job", job)], post=True)
