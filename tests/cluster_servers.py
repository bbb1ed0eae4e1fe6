"""Real servers for the cluster tests: Debian's `redis-server` and Scrapyd nodes (the `scrapyd`
console script of .venv), each started on a free 127.0.0.1 port in its own directory, waited for
until it answers, and stopped, killed or restarted on demand. The fixtures that hand them to tests
(`redis_server`, `redis_url`, `scrapyd_nodes`) are in tests/conftest.py."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.cluster.nodeconf import write_node_config

REDIS_SERVER = "/usr/bin/redis-server"
SCRAPYD = Path(sys.executable).parent / "scrapyd"    # the console script next to .venv's python
START_TIMEOUT = 30.0          # seconds a server may take to answer after it was started
STOP_TIMEOUT = 10.0           # seconds between SIGTERM and SIGKILL

# Requests to the nodes never go through a proxy, whatever the environment says.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


class _Process:
    """A server process started with its output in `log`; stop (SIGTERM, then SIGKILL) or kill."""
    name = "server"
    log: Path
    process: subprocess.Popen | None = None

    def _spawn(self, argv: list[str], cwd: Path, env: dict | None) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _wait_until(self, answers, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.process.returncode} "
                                   f"before {what}; {self.log}:\n{log_tail(self.log)}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.name} did not answer {what} within {START_TIMEOUT:.0f} s;"
                                   f" {self.log}:\n{log_tail(self.log)}")
            time.sleep(0.1)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL. Nothing to do when it is not running."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crashed machine would: no clean shutdown."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=STOP_TIMEOUT)


class RedisServer(_Process):
    """Debian's redis-server on 127.0.0.1:`port` (a free one by default), its append-only file in
    `dir` fsynced at every write and no RDB snapshots, so `restart()` (same port and dir) keeps
    every key written before. Started by the constructor."""
    name = "redis-server"

    def __init__(self, dir: str | Path, port: int | None = None):
        if not os.access(REDIS_SERVER, os.X_OK):
            pytest.fail(f"{REDIS_SERVER} is missing: run `make test`, which installs Debian's "
                        "redis-server (apt-get install redis-server)", pytrace=False)
        self.dir = Path(dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log = self.dir / "redis.log"
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self) -> "RedisServer":
        if self.alive():
            return self
        self._spawn([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                     "--dir", str(self.dir), "--daemonize", "no"], cwd=self.dir, env=None)
        self._wait_until(self._pings, f"PING on {self.url}")
        return self

    def restart(self) -> "RedisServer":
        self.stop()
        return self.start()

    def _pings(self) -> bool:
        import redis
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.exceptions.RedisError:     # not listening yet, or still loading the AOF
            return False


class ScrapydNode(_Process):
    """A Scrapyd node: `write_node_config(dir, port, max_proc)`, then .venv's `scrapyd` with cwd
    `dir` and environment `env` (the replay's proxy variables reach the crawls it starts), output
    in dir/scrapyd.log. Started by the constructor; ready when daemonstatus.json answers."""
    name = "scrapyd"

    def __init__(self, dir: str | Path, port: int | None = None, env: dict | None = None,
                 max_proc: int = 1):
        self.dir = Path(dir).resolve()
        self.port = port or free_port()
        self.env, self.max_proc = env, max_proc
        self.log = self.dir / "scrapyd.log"
        write_node_config(self.dir, self.port, max_proc=max_proc)
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ScrapydNode":
        if self.alive():
            return self
        self._spawn([str(SCRAPYD)], cwd=self.dir, env=self.env)
        self._wait_until(self._answers, f"{self.url}/daemonstatus.json")
        return self

    def restart(self) -> "ScrapydNode":
        self.stop()
        return self.start()

    def get(self, endpoint: str, **params) -> dict:
        """GET url/endpoint?params, the JSON answer (e.g. get("listjobs.json", project=...))."""
        query = urllib.parse.urlencode(params)
        with _LOCAL.open(f"{self.url}/{endpoint}" + (f"?{query}" if query else ""),
                         timeout=10) as response:
            return json.load(response)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        """POST form `fields` to url/endpoint (e.g. schedule.json), the JSON answer."""
        data = urllib.parse.urlencode(fields).encode()
        with _LOCAL.open(f"{self.url}/{endpoint}", data=data, timeout=10) as response:
            return json.load(response)

    def _answers(self) -> bool:
        try:
            return self.get("daemonstatus.json").get("status") == "ok"
        except (OSError, ValueError):           # refused / reset / not JSON yet
            return False

    def stop(self) -> None:
        """SIGTERM to scrapyd and the crawls it runs (as systemd stops a service), SIGKILL to what is
        left after STOP_TIMEOUT. Scrapyd itself leaves its crawls running when it ends."""
        jobs = self.running_job_pids()
        _signal(jobs, signal.SIGTERM)
        super().stop()
        if not _wait_gone(jobs, STOP_TIMEOUT):
            _signal(jobs, signal.SIGKILL)
            _wait_gone(jobs, STOP_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL to scrapyd and the crawls it runs: the node's machine died. (To kill one crawl
        only, `os.kill` a pid of `running_job_pids()`.)"""
        jobs = self.running_job_pids()
        _signal(jobs, signal.SIGKILL)
        super().kill()
        _wait_gone(jobs, STOP_TIMEOUT)

    def running_job_pids(self) -> list[int]:
        """The pids of the crawls this node runs now: the live child processes of the scrapyd
        process (read from /proc/*/stat)."""
        if not self.alive():
            return []
        return sorted(pid for pid in _proc_pids()
                      if (stat := _proc_stat(pid)) and stat[1] == str(self.pid) and stat[0] != "Z")


def _proc_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _proc_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name: [state, ppid, ...]; None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def pid_running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has ended)."""
    stat = _proc_stat(pid)
    return bool(stat) and stat[0] != "Z"


def _signal(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _wait_gone(pids: list[int], timeout: float) -> bool:
    """Wait until every pid has ended (gone, or a zombie); whether they all did within timeout."""
    deadline = time.monotonic() + timeout
    while any(pid_running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
