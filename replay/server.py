"""The replay proxy: a real HTTP(S) proxy on 127.0.0.1 that answers for the news sites.

Spiders keep the real URLs (``https://laodongthudo.vn/...``); only ``https_proxy`` / ``http_proxy``
point here. The server understands the three shapes a client sends through a proxy:

- ``CONNECT laodongthudo.vn:443`` (what Scrapy, curl and urllib send for https URLs): answered
  ``200 Connection established``, then the socket is wrapped in TLS with a self-signed certificate
  minted at start-up (Scrapy does not verify certificates by default), and the HTTP/1.1 requests
  inside the tunnel are answered one after another (keep-alive) until the client closes;
- ``GET http://host/path HTTP/1.1`` (absolute form, plain http through a proxy);
- ``GET /path`` with a ``Host`` header (origin form, e.g. ``curl --resolve host:PORT:127.0.0.1``).

Every answer comes from ``web.respond(method, host, target)`` (by default ``replay.web.ReplayWeb``;
calls are serialised, so ``web`` need not be thread-safe); HEAD is asked of ``web`` as GET and sent
without the body. The server always sends ``Content-Length`` and honours ``Connection: close``.
Every request answered is recorded in ``ReplayServer.requests`` (``LoggedRequest``: monotonic time,
method, scheme, host, target, lower-cased headers, status, connection serial number, TLS SNI, time
its answer began); ``host_concurrency(requests)`` counts the requests held at once per host.
``faults=`` takes an object whose ``before(request)`` may answer instead of ``web`` (see
``replay.faults``); an answer with a ``truncate_at`` attribute is cut after that many body bytes,
Content-Length still announcing the whole body, and the connection closed; one with a
``drip_seconds`` attribute is sent a little at a time over that many seconds.

Scrapy sends ``CONNECT host:443`` + ``Host`` only, waits for the blank line, starts TLS with SNI =
the tunnelled host, and reuses a tunnel for the next request to that host. It does not verify
certificates but warns on a name mismatch, so the certificate names every host.

From a shell::

    python -m replay serve --port 8899          # prints the proxy URL; Ctrl-C to stop
    https_proxy=http://127.0.0.1:8899 http_proxy=http://127.0.0.1:8899 scrapy crawl laodongthudo
    curl -k -x http://127.0.0.1:8899 https://laodongthudo.vn/robots.txt

    python -m replay exec -- scrapy crawl laodongthudo   # serve on a free port for one command

From Python::
    with ReplayServer() as server:
        subprocess.run(cmd, env={**os.environ, **server.env()})
        server.requests   # [LoggedRequest(time, method, scheme, host, target, headers, status)]
"""
from __future__ import annotations

import email.utils
import http
import logging
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .request_log import LoggedRequest, host_concurrency  # noqa: F401  (imported from here)
from .tls import tls_files

log = logging.getLogger(__name__)

# The hosts the replay serves; the certificate names them (and their www. variants).
DEFAULT_HOSTS = (
    "laodongthudo.vn",
    "tuoitrethudo.vn",
    "baolaocai.vn",
    "hanoi.gov.vn",
    "tinbong247news.net",
    "laodong.vn",
    "nld.com.vn",
)

MAX_LINE = 64 * 1024        # longest request line / header line accepted
MAX_HEADERS = 200
IDLE_TIMEOUT = 300.0        # seconds a keep-alive connection may sit idle (Twisted's pool: 240 s)

# Headers the server computes itself; dropped from what web.respond returns.
_HOP_BY_HOP = {"content-length", "connection", "transfer-encoding", "keep-alive",
               "proxy-connection"}


class DropConnection(Exception):
    """Raised by ``faults.before(request)`` to close the connection without any answer."""


@dataclass
class _Reply:
    """A response the server makes up itself (errors); same shape as replay.web.Response."""
    status: int
    headers: list = field(default_factory=list)
    body: bytes = b""


@dataclass
class _Conn:
    serial: int
    sni: str | None = None


class _ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --- TLS --------------------------------------------------------------------------------------

def _server_ssl_context(hosts) -> ssl.SSLContext:
    cert_path, key_path = tls_files(hosts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    ctx.set_alpn_protocols(["http/1.1"])

    def remember_sni(sslsock, server_name, _ctx):
        sslsock.replay_sni = server_name      # read back in ReplayServer._tunnel

    ctx.sni_callback = remember_sni
    return ctx


# --- reading HTTP off a socket ------------------------------------------------------------------

class _Reader:
    """A small buffered reader over sock.recv (works the same for plain and TLS sockets)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def readline(self) -> bytes | None:
        """One line including CRLF; None on a clean EOF before any byte of it."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > MAX_LINE:
                raise _ProtocolError(431, "header line too long")
            if not self._fill():
                if self.buf:
                    raise ConnectionError("client closed mid-line")
                return None

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("client closed mid-body")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data


@dataclass
class _Head:
    method: str
    target: str
    version: str
    headers: list          # [(name, value)] as sent


def _read_head(reader: _Reader) -> _Head | None:
    line = reader.readline()
    while line in (b"\r\n", b"\n"):          # tolerate stray CRLF between requests
        line = reader.readline()
    if line is None:
        return None
    try:
        method, target, version = line.decode("latin-1").strip().split(" ")
    except ValueError:
        raise _ProtocolError(400, f"bad request line {line[:100]!r}") from None
    if not version.startswith("HTTP/1."):
        raise _ProtocolError(505, f"unsupported version {version!r}")
    headers = []
    while True:
        hline = reader.readline()
        if hline is None:
            raise ConnectionError("client closed inside the request head")
        if hline in (b"\r\n", b"\n"):
            break
        if len(headers) >= MAX_HEADERS:
            raise _ProtocolError(431, "too many headers")
        name, sep, value = hline.decode("latin-1").partition(":")
        if not sep:
            raise _ProtocolError(400, f"bad header line {hline[:100]!r}")
        headers.append((name.strip(), value.strip()))
    return _Head(method.upper(), target, version, headers)


def _header(headers: list, name: str) -> str | None:
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def _consume_body(reader: _Reader, headers: list) -> None:
    """Read (and discard) a request body so the next request on the connection starts cleanly."""
    te = (_header(headers, "Transfer-Encoding") or "").lower()
    if "chunked" in te:
        while True:
            size_line = reader.readline()
            if size_line is None:
                raise ConnectionError("client closed inside a chunked body")
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise _ProtocolError(400, "bad chunk size") from None
            if size == 0:
                while reader.readline() not in (b"\r\n", b"\n", None):   # trailers
                    pass
                return
            reader.read(size + 2)
    length = _header(headers, "Content-Length")
    if length:
        try:
            n = int(length)
        except ValueError:
            raise _ProtocolError(400, "bad Content-Length") from None
        if n > 0:
            reader.read(n)


def _split_host(hostport: str) -> tuple[str, int | None]:
    """'Host:443' -> ('host', 443); '[::1]:8080' -> ('::1', 8080). Lower-cased."""
    hostport = hostport.strip()
    if hostport.startswith("["):
        end = hostport.find("]")
        host, rest = hostport[1:end], hostport[end + 1:]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    return host.lower().rstrip("."), (int(port) if port.isdigit() else None)


def _keep_alive(head: _Head) -> bool:
    tokens = {t.strip().lower() for t in
              ((_header(head.headers, "Connection") or "") + ","
               + (_header(head.headers, "Proxy-Connection") or "")).split(",")}
    if "close" in tokens:
        return False
    if head.version == "HTTP/1.0":
        return "keep-alive" in tokens
    return True


def _serialize(response, head_only: bool, keep_alive: bool) -> bytes:
    status = int(response.status)
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    body = bytes(response.body or b"")
    lines = [f"HTTP/1.1 {status} {reason}"]
    have_date = False
    for name, value in response.headers or []:
        lname = name.lower()
        if lname in _HOP_BY_HOP:
            continue
        have_date = have_date or lname == "date"
        lines.append(f"{name}: {value}")
    if not have_date:
        lines.append("Date: " + email.utils.formatdate(usegmt=True))
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: " + ("keep-alive" if keep_alive else "close"))
    # Header values may carry UTF-8 (e.g. a Vietnamese file name); encode as UTF-8 on the wire.
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return data if head_only else data + body


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, [("Content-Type", "text/plain; charset=utf-8")],
                  (message + "\n").encode("utf-8"))


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address, owner: "ReplayServer"):
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):   # never print tracebacks to stderr
        log.exception("replay: unhandled error serving %s", client_address)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        owner: ReplayServer = self.server.owner
        sock = self.request
        # answers go out whole at once, as a web server's do (no Nagle wait for the client's ACK)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        owner._track(sock, True)
        try:
            sock.settimeout(IDLE_TIMEOUT)
            owner._serve_connection(sock)
        except DropConnection:
            log.debug("replay: fault injection dropped the connection from %s", self.client_address)
        except (ConnectionError, TimeoutError, socket.timeout, ssl.SSLError, OSError) as exc:
            log.debug("replay: connection from %s ended: %r", self.client_address, exc)
        except Exception:
            log.exception("replay: error on connection from %s", self.client_address)
        finally:
            owner._track(sock, False)


def _conditional(response, request_headers: dict):
    """Answer 304 Not Modified when the client's validators match (RFC 9110, section 13)."""
    if response.status != 200:
        return response
    headers = {name.lower(): value for name, value in response.headers}
    etag, modified = headers.get("etag"), headers.get("last-modified")
    if_none_match = request_headers.get("if-none-match")
    if_modified_since = request_headers.get("if-modified-since")
    if (if_none_match and etag and etag in [t.strip() for t in if_none_match.split(",")]) or (
            not if_none_match and if_modified_since and modified
            and _http_date(modified) is not None
            and _http_date(modified) <= (_http_date(if_modified_since) or 0)):
        kept = [(n, v) for n, v in response.headers if n.lower() in ("etag", "last-modified",
                                                                      "cache-control")]
        return type(response)(304, kept, b"")
    return response


def _http_date(value: str):
    from email.utils import parsedate_to_datetime
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


class ReplayServer:
    """An HTTP(S) proxy on ``host:port`` answering every request from ``web.respond``.

    ``web``: an object with ``respond(method, host, target) -> Response`` (status, headers, body);
    default ``replay.web.ReplayWeb()``. ``faults``: optional object with ``before(request)`` called
    with the ``LoggedRequest`` before ``web`` is asked; it may return a response to send instead,
    None to go on, or raise ``DropConnection`` to close the connection without an answer.
    """

    def __init__(self, web=None, host: str = "127.0.0.1", port: int = 0, faults=None):
        if web is None:
            from replay.web import ReplayWeb
            web = ReplayWeb()
        self.web = web
        self.faults = faults
        self.host = host
        self._requested_port = port
        self._server: _TCPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: list[LoggedRequest] = []
        self._connections: set = set()
        self._serial = 0
        self._web_lock = threading.Lock()     # web.respond need not be thread-safe (it caches)
        self._ssl_context: ssl.SSLContext | None = None
        self._stopping = threading.Event()    # wakes slow drips (replay.faults "drip")

    # -- lifecycle
    def start(self) -> "ReplayServer":
        if self._server is not None:
            return self
        self._stopping.clear()
        self._ssl_context = _server_ssl_context(self.hosts)
        self._server = _TCPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"replay-proxy-{self.port}", daemon=True)
        self._thread.start()
        log.info("replay: serving on %s", self.proxy_url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._connections)
        for sock in conns:               # wake threads blocked on idle keep-alive connections
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what callers read
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("ReplayServer is not started")
        return self._server.server_address[1]

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names the certificate carries: DEFAULT_HOSTS plus `web.hosts` if it has one."""
        extra = getattr(self.web, "hosts", None)
        if not isinstance(extra, (list, tuple, set, frozenset, dict)):
            extra = ()
        return tuple(dict.fromkeys([*DEFAULT_HOSTS, *extra]))

    @property
    def cert_file(self) -> str:
        """The PEM certificate the TLS tunnels present (for clients that want to verify)."""
        return tls_files(self.hosts)[0]

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of every request answered so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def env(self) -> dict[str, str]:
        """Environment variables that send a child process's HTTP(S) traffic through this proxy."""
        url = self.proxy_url
        return {"http_proxy": url, "https_proxy": url, "HTTP_PROXY": url, "HTTPS_PROXY": url,
                "no_proxy": "", "NO_PROXY": ""}

    # -- internals
    def _track(self, sock, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)

    def _serve_connection(self, sock) -> None:
        with self._lock:
            self._serial += 1
            conn = _Conn(self._serial)
        reader = _Reader(sock)
        while True:
            try:
                head = _read_head(reader)
            except _ProtocolError as exc:
                sock.sendall(_serialize(_error(exc.status, str(exc)), False, False))
                return
            if head is None:
                return
            if head.method == "CONNECT":
                self._tunnel(sock, reader, head, conn)
                return
            if not self._answer(sock, reader, head, conn, scheme="http", default_host=None):
                return

    def _tunnel(self, sock, reader: _Reader, head: _Head, conn: "_Conn") -> None:
        host, port = _split_host(head.target)
        if not host:
            sock.sendall(_serialize(_error(400, "CONNECT needs host:port"), False, False))
            return
        if reader.buf:
            # The client sent bytes before our 200; they would belong to the TLS layer.
            log.warning("replay: client sent data before CONNECT was answered; closing")
            return
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        tls = self._ssl_context.wrap_socket(sock, server_side=True)
        conn.sni = getattr(tls, "replay_sni", None)
        log.debug("replay: tunnel %d to %s:%s, SNI %r", conn.serial, host, port, conn.sni)
        self._track(tls, True)
        try:
            tls_reader = _Reader(tls)
            while True:
                try:
                    inner = _read_head(tls_reader)
                except _ProtocolError as exc:
                    tls.sendall(_serialize(_error(exc.status, str(exc)), False, False))
                    return
                if inner is None:
                    return
                if inner.method == "CONNECT":
                    tls.sendall(_serialize(_error(405, "CONNECT inside a tunnel"), False, False))
                    return
                if not self._answer(tls, tls_reader, inner, conn, scheme="https",
                                    default_host=host):
                    return
        finally:
            self._track(tls, False)
            try:
                tls.close()
            except OSError:
                pass

    def _answer(self, sock, reader: _Reader, head: _Head, conn: "_Conn", scheme: str,
                default_host: str | None) -> bool:
        """Answer one request; return whether the connection stays open."""
        target = head.target
        host = None
        if "://" in target:                       # absolute form: GET http://host/path
            parts = urlsplit(target)
            scheme = parts.scheme.lower() or scheme
            host = _split_host(parts.netloc.rpartition("@")[2])[0]
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:
            host_header = _header(head.headers, "Host")
            if host_header:
                host = _split_host(host_header)[0]
            host = host or default_host
        keep_alive = _keep_alive(head)
        if (_header(head.headers, "Expect") or "").lower() == "100-continue":
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        _consume_body(reader, head.headers)
        request = LoggedRequest(
            time=time.monotonic(), method=head.method, scheme=scheme, host=host or "",
            target=target, headers={}, status=None, connection=conn.serial, sni=conn.sni)
        for name, value in head.headers:
            key = name.lower()
            request.headers[key] = (request.headers[key] + ", " + value
                                    if key in request.headers else value)
        response = None
        if not host:
            response = _error(400, "no Host header")
        elif not target.startswith("/") and target != "*":
            response = _error(400, f"bad request target {target[:100]!r}")
        if response is None and self.faults is not None:
            before = getattr(self.faults, "before", None)
            if before is not None:
                try:
                    response = before(request)
                except DropConnection:
                    with self._lock:
                        self._requests.append(request)     # logged with status None
                    raise
        if response is None:
            try:
                # HEAD is answered like GET (same headers and Content-Length) without the body.
                with self._web_lock:
                    response = self.web.respond("GET" if head.method == "HEAD" else head.method,
                                                host, target)
            except Exception:
                log.exception("replay: web.respond(%s, %s, %s) failed",
                              head.method, host, target)
                response = _error(500, "replay: internal error")
        response = _conditional(response, request.headers)
        request.status = int(response.status)
        with self._lock:
            self._requests.append(request)
        log.debug("replay: %s %s://%s%s -> %s", head.method, scheme, host, target, request.status)
        cut = getattr(response, "truncate_at", None)   # replay.faults: a body cut short
        if cut is not None and head.method != "HEAD":
            data = _serialize(response, False, False)
            request.answered = time.monotonic()       # a cut answer
            sock.sendall(data[:len(data) - len(response.body or b"") + int(cut)])
            raise DropConnection()
        drip = getattr(response, "drip_seconds", None)   # replay.faults: a slow drip
        data = _serialize(response, head.method == "HEAD", keep_alive)
        request.answered = time.monotonic()
        if drip and head.method != "HEAD":
            self._drip(sock, data, len(data) - len(response.body or b""), float(drip))
            return keep_alive
        sock.sendall(data)
        return keep_alive

    def _drip(self, sock, data: bytes, head_bytes: int, seconds: float) -> None:
        """Send the head, then the body in 50 pieces spread over `seconds` (a slow drip): a
        client's download timeout, not the server, ends it. Stops when the server stops."""
        sock.sendall(data[:head_bytes])
        body = data[head_bytes:]
        step = max(1, -(-len(body) // 50))
        for start in range(0, len(body), step):
            if self._stopping.wait(seconds / 50):
                raise DropConnection()
            sock.sendall(body[start:start + step])
