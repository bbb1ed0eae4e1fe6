"""The replay proxy with real parts: urllib, raw sockets, a Scrapy subprocess, `python -m replay`."""
from __future__ import annotations

import json
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from replay.server import ReplayServer

ROBOTS_HOSTS = ("laodongthudo.vn", "baolaocai.vn")


def _opener(proxy_url: str) -> urllib.request.OpenerDirector:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy_url, "https": proxy_url}),
        urllib.request.HTTPSHandler(context=ctx))


def _logged(server: ReplayServer, since: float, host: str, target: str):
    return [r for r in server.requests if r.time >= since and r.host == host and r.target == target]


def _read_response(f) -> tuple[int, dict]:
    """Read one HTTP/1.1 response (Content-Length framed) from a binary file object."""
    status_line = f.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    status = int(status_line.split()[1])
    headers = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


# --- (1) https through CONNECT + TLS, (2) plain http absolute form ---------------------------------

def test_urllib_https_through_the_proxy(replay_server):
    since = time.monotonic()
    with _opener(replay_server.proxy_url).open("https://laodongthudo.vn/robots.txt", timeout=10) as r:
        assert r.status == 200
        body = r.read()
    assert b"User-agent" in body or b"user-agent" in body.lower()
    logged = _logged(replay_server, since, "laodongthudo.vn", "/robots.txt")
    assert logged, replay_server.requests[-5:]
    assert logged[-1].scheme == "https"
    assert logged[-1].method == "GET"
    assert logged[-1].status == 200
    assert logged[-1].sni == "laodongthudo.vn"
    assert "python-urllib" in logged[-1].headers["user-agent"].lower()


def test_plain_http_absolute_form(replay_server):
    since = time.monotonic()
    with _opener(replay_server.proxy_url).open("http://baolaocai.vn/robots.txt", timeout=10) as r:
        assert r.status == 200
        assert r.read()
    logged = _logged(replay_server, since, "baolaocai.vn", "/robots.txt")
    assert logged and logged[-1].scheme == "http" and logged[-1].status == 200


def test_origin_form_keep_alive_head_and_close(replay_server):
    """Three requests on one connection: GET, HEAD (no body), then Connection: close."""
    with socket.create_connection(("127.0.0.1", replay_server.port), timeout=10) as sock:
        f = sock.makefile("rb")
        # Origin form, Host with a port (dropped) and upper case (lower-cased).
        sock.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: LaoDongThuDo.vn:8080\r\n\r\n")
        status, headers = _read_response(f)
        assert status == 200
        length = int(headers["content-length"])
        get_body = f.read(length)
        assert len(get_body) == length > 0

        sock.sendall(b"HEAD http://laodongthudo.vn/robots.txt HTTP/1.1\r\n"
                     b"Host: laodongthudo.vn\r\n\r\n")
        status, headers = _read_response(f)
        assert status == 200
        assert int(headers["content-length"]) == length    # same length as GET, but no body

        sock.sendall(b"GET http://laodongthudo.vn/robots.txt HTTP/1.1\r\n"
                     b"Host: laodongthudo.vn\r\nConnection: close\r\n\r\n")
        status, headers = _read_response(f)              # would misparse if HEAD sent a body
        assert status == 200
        assert headers["connection"] == "close"
        assert f.read() == get_body                         # body, then the server closes
    logged = [r for r in replay_server.requests if r.host == "laodongthudo.vn"][-3:]
    assert [r.method for r in logged] == ["GET", "HEAD", "GET"]
    assert len({r.connection for r in logged}) == 1


# --- (3) a real Scrapy run: CONNECT tunnelling + TLS through the proxy -----------------------------

SPIDER = '''
import json
import scrapy


class RobotsSpider(scrapy.Spider):
    name = "robots"
    start_urls = {urls!r}
    custom_settings = {{"ROBOTSTXT_OBEY": False, "HTTPERROR_ALLOW_ALL": True,
                        "RETRY_ENABLED": False, "DOWNLOAD_TIMEOUT": 20}}
    statuses = {{}}

    def parse(self, response):
        self.statuses[response.url] = response.status

    def closed(self, reason):
        with open({out!r}, "w") as f:
            json.dump(self.statuses, f)
'''


def test_scrapy_crawls_https_through_the_proxy(replay_server, replay_env, repo_root, tmp_path):
    urls = [f"https://{host}/robots.txt" for host in ROBOTS_HOSTS]
    out = tmp_path / "statuses.json"
    spider = tmp_path / "spider.py"
    spider.write_text(SPIDER.format(urls=urls, out=str(out)))
    since = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", "LOG_LEVEL=INFO"],
        cwd=tmp_path, env=replay_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.exists(), proc.stderr[-3000:]
    assert json.loads(out.read_text()) == {url: 200 for url in urls}, proc.stderr[-3000:]
    # The certificate names the hosts, so Scrapy's (non-fatal) hostname check stays quiet.
    assert "Remote certificate is not valid" not in proc.stderr
    for host in ROBOTS_HOSTS:
        logged = _logged(replay_server, since, host, "/robots.txt")
        assert logged and logged[-1].scheme == "https", replay_server.requests[-5:]
        assert logged[-1].sni == host                     # Scrapy sends SNI for the tunnelled host
        assert logged[-1].headers["user-agent"]           # a real Scrapy request, not urllib


# --- (4), (5) `python -m replay exec` ------------------------------------------------------------

def _replay_exec(repo_root, *cmd, **kwargs):
    return subprocess.run([sys.executable, "-m", "replay", "exec", "--", *cmd],
                          cwd=repo_root, capture_output=True, text=True, timeout=60, **kwargs)


def test_exec_sets_the_proxy_for_the_child(repo_root):
    proc = _replay_exec(repo_root, sys.executable, "-c",
                        "import os; print(os.environ['https_proxy']); print(os.environ['no_proxy'])")
    assert proc.returncode == 0, proc.stderr
    url, no_proxy = proc.stdout.splitlines()
    assert url.startswith("http://127.0.0.1:")
    port = int(url.rsplit(":", 1)[1])
    assert port > 0
    assert no_proxy == ""
    assert f"port {port}" in proc.stderr


def test_exec_passes_the_exit_status_through(repo_root):
    proc = _replay_exec(repo_root, sys.executable, "-c", "import sys; sys.exit(3)")
    assert proc.returncode == 3, proc.stderr


def test_exec_child_can_fetch_through_the_proxy(repo_root):
    child = textwrap.dedent("""
        import os, ssl, urllib.request
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
        print(opener.open("https://baolaocai.vn/robots.txt", timeout=10).status)
    """)
    proc = _replay_exec(repo_root, sys.executable, "-c", child)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "200"


def test_exec_forwards_sigterm_to_the_child(repo_root):
    child = ("import signal, sys, time\n"
             "signal.signal(signal.SIGTERM, lambda *a: sys.exit(7))\n"
             "print('ready', flush=True)\n"
             "time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-m", "replay", "exec", "--", sys.executable, "-c", child],
                            cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 7
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# --- (6) robustness ---------------------------------------------------------------------------

def _half_requests(port: int):
    """Clients that give up at awkward moments."""
    def raw(data: bytes, linger_reset: bool = False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if data:
            sock.sendall(data)
        if linger_reset:       # close with RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()

    raw(b"GET http://laodongthudo.vn/robots.txt HTTP/1.1\r\nHost: laodong")   # mid-head
    raw(b"GET http://laodongthudo.vn/robots.txt HTTP/1.1\r\n", linger_reset=True)
    raw(b"POST http://laodongthudo.vn/x HTTP/1.1\r\nHost: laodongthudo.vn\r\n"
        b"Content-Length: 100\r\n\r\nabc")                                     # mid-body
    raw(b"CONNECT laodongthudo.vn:443 HTTP/1.1\r\nHost: laodongthudo.vn:443\r\n\r\n")  # no TLS
    raw(b"CONNECT laodongthudo.vn:443 HTTP/1.1\r\n\r\n\x16\x03\x01\x02\x00\x01")  # garbage TLS
    raw(b"\x00\xff garbage\r\n\r\n")
    raw(b"")
    # A TLS client that leaves inside the tunnel, mid-request.
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"CONNECT baolaocai.vn:443 HTTP/1.1\r\nHost: baolaocai.vn:443\r\n\r\n")
    assert sock.recv(100).startswith(b"HTTP/1.1 200")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ctx.wrap_socket(sock, server_hostname="baolaocai.vn")
    tls.sendall(b"GET /robots.txt HTTP/1.1\r\nHo")
    tls.close()


def test_clients_leaving_mid_request_do_not_stop_the_server(replay_server, caplog):
    _half_requests(replay_server.port)
    time.sleep(0.2)
    with _opener(replay_server.proxy_url).open("https://laodongthudo.vn/robots.txt", timeout=10) as r:
        assert r.status == 200
    with _opener(replay_server.proxy_url).open("http://laodongthudo.vn/robots.txt", timeout=10) as r:
        assert r.status == 200
    assert not [rec for rec in caplog.records if rec.levelname in ("ERROR", "CRITICAL")]


def test_web_errors_become_500_and_the_server_goes_on():
    class Broken:
        def respond(self, method, host, target):
            raise RuntimeError("boom")

    with ReplayServer(web=Broken()) as server:
        with pytest.raises(urllib.error.HTTPError) as err:
            _opener(server.proxy_url).open("http://laodongthudo.vn/", timeout=10)
        assert err.value.code == 500
        assert server.requests[-1].status == 500


def test_faults_hook_answers_instead_of_web(replay_server):
    from dataclasses import dataclass

    @dataclass
    class Canned:
        status: int
        headers: list
        body: bytes

    class Faults:
        def before(self, request):
            if request.target == "/robots.txt":
                return Canned(503, [("Retry-After", "1")], b"busy")
            return None

    with ReplayServer(web=replay_server.web, faults=Faults()) as server:
        with pytest.raises(urllib.error.HTTPError) as err:
            _opener(server.proxy_url).open("https://laodongthudo.vn/robots.txt", timeout=10)
        assert err.value.code == 503
        assert server.requests[-1].status == 503


def test_env_and_stop(replay_server):
    env = replay_server.env()
    url = f"http://127.0.0.1:{replay_server.port}"
    assert replay_server.proxy_url == url
    assert {k: env[k] for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")} == \
        dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"), url)
    assert env["no_proxy"] == env["NO_PROXY"] == ""

    server = ReplayServer(web=replay_server.web).start()
    port = server.port
    # An idle keep-alive connection must not keep stop() waiting.
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    t0 = time.monotonic()
    server.stop()
    assert time.monotonic() - t0 < 5
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
