"""One request at a time per host: what the replay's request log shows of a real crawl.

Scrapy 2.19 started every queued request of a host at once when DOWNLOAD_DELAY is 0, whatever
CONCURRENT_REQUESTS_PER_DOMAIN said (crawler/downloader.py); these crawls run with no delay.
"""
from __future__ import annotations

import os
import subprocess
import sys

from replay.faults import Faults
from replay.server import ReplayServer, host_concurrency


def test_a_crawl_without_delay_holds_one_request_at_a_time_per_host(tmp_path, repo_root):
    with ReplayServer() as server:
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "laodongthudo", "nld", "--db",
             str(tmp_path / "news.db"), "-q", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False"],
            env={**os.environ, **server.env()}, cwd=repo_root, capture_output=True, text=True,
            timeout=300)
        requests = server.requests
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(requests) > 80
    assert host_concurrency(requests) == {"laodongthudo.vn": 1, "nld.com.vn": 1}


def test_the_limit_is_the_setting_not_the_replay(tmp_path, repo_root):
    """The same crawl allowed 4 requests per host does overlap them: the log can see it. Every
    answer is held a second (the `slow` fault), so requests the crawler started together are
    in flight together however busy the machine is (without it, a loaded machine could answer
    each one before the next left, and the test would depend on speed)."""
    with ReplayServer(faults=Faults({"laodongthudo.vn": "slow"}, slow_seconds=1.0)) as server:
        subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "laodongthudo", "--db",
             str(tmp_path / "news.db"), "-q", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"],
            env={**os.environ, **server.env()}, cwd=repo_root, capture_output=True, text=True,
            timeout=300, check=True)
        requests = server.requests
    assert host_concurrency(requests)["laodongthudo.vn"] > 1
