"""Shared pytest fixtures: the replay proxy and the environment that points a child process at it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from replay.server import ReplayServer


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the directory holding pyproject.toml)."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def replay_server():
    """One started ReplayServer (default ReplayWeb) for the whole session."""
    with ReplayServer() as server:
        yield server


@pytest.fixture
def replay_env(replay_server) -> dict[str, str]:
    """os.environ plus the proxy variables: pass as `env=` to a subprocess that should crawl."""
    return {**os.environ, **replay_server.env()}


@pytest.fixture(scope="session")
def crawl_of_the_replay(tmp_path_factory, replay_server, repo_root):
    """One real `newscrawl crawl` of the four sites through the replay, for the whole session:
    (database path, the finished process). Shared: copy the file before writing to it (e.g. with
    sqlite3's backup())."""
    import subprocess
    import sys

    db = tmp_path_factory.mktemp("crawled") / "news.db"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
        env={**os.environ, **replay_server.env()}, cwd=repo_root,
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return db, result


@pytest.fixture(scope="session")
def crawled_db(crawl_of_the_replay) -> Path:
    """The database of `crawl_of_the_replay`."""
    return crawl_of_the_replay[0]


# --- the cluster's real servers (tests/cluster_servers.py) ---------------------------------------

@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One Debian redis-server (AOF, fsync always) for the whole session: a
    `cluster_servers.RedisServer` with .url, .client(), .stop(), .restart(), .kill(). Shared: a test
    that needs an empty database runs FLUSHALL itself."""
    from cluster_servers import RedisServer
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    """"redis://127.0.0.1:PORT/0" of `redis_server`."""
    return redis_server.url


@pytest.fixture
def scrapyd_nodes(tmp_path):
    """`start(n, env=None, max_proc=1) -> [ScrapydNode]`: n Scrapyd nodes, each on its own free
    port in its own directory under tmp_path (env: e.g. `replay_env`, so their crawls go through
    the replay); every node started is stopped at teardown."""
    from cluster_servers import ScrapydNode
    started = []

    def start(n: int, env: dict | None = None, max_proc: int = 1) -> list:
        nodes = []
        for _ in range(n):       # one at a time: a node that fails to start leaves the others stoppable
            nodes.append(ScrapydNode(tmp_path / f"node{len(started) + 1}", env=env,
                                     max_proc=max_proc))
            started.append(nodes[-1])
        return nodes

    yield start
    for node in started:
        node.stop()


@pytest.fixture(autouse=True)
def _fresh_site_suffixes():
    """Each test starts with no learned title suffixes (crawler/extract/titles.SiteSuffixes is
    per process: a test must not depend on the pages other tests read)."""
    from crawler.extract.titles import SITE_SUFFIXES
    SITE_SUFFIXES.clear()
    yield
    SITE_SUFFIXES.clear()
