"""`python -m replay serve|exec`: run the offline replay proxy from a shell.

    python -m replay serve [--host 127.0.0.1] [--port N] [-v] [--faults SPEC] [--encodings] [--variant NAME]
        Serve until Ctrl-C or SIGTERM; prints the proxy URL and an example crawl command.

    python -m replay snapshot DIR [--per-site N]
        Save article pages with their expected JSON beside them (DIR/<site>/<id>-<kind>.html
        and .json): the saved pages the extraction tests read (tests/pages).

    python -m replay exec [--port N] [-v] [--faults SPEC] [--encodings] [--variant NAME] -- CMD [ARGS...]
        Serve on a free port (or N), run CMD with http(s)_proxy pointing here, stop, and exit
        with CMD's exit status. SIGINT/SIGTERM are forwarded to CMD.

    --variant NAME serves a layout variant (replay/variants.py: the same articles in other markup);
    `python -m replay variants` lists them.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading

from replay.server import ReplayServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m replay",
        description="The offline replay of the news sites, served as an HTTP(S) proxy.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve until Ctrl-C / SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("-v", "--verbose", action="store_true", help="log every request")
    serve.add_argument("--faults", metavar="SPEC", default=None,
                       help="inject faults (replay/faults.py), e.g. 'random=0.2 seed=7' or "
                            "'503x2@https://laodongthudo.vn/... layout-listings@baolaocai.vn'")
    serve.add_argument("--encodings", action="store_true",
                       help="add the pages in awkward encodings (replay/encodings.py)")

    run = sub.add_parser("exec", help="serve while one command runs through the proxy")
    run.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    run.add_argument("-v", "--verbose", action="store_true", help="log every request")
    run.add_argument("--faults", metavar="SPEC", default=None,
                       help="inject faults (replay/faults.py), e.g. 'random=0.2 seed=7' or "
                            "'503x2@https://laodongthudo.vn/... layout-listings@baolaocai.vn'")
    run.add_argument("--encodings", action="store_true",
                       help="add the pages in awkward encodings (replay/encodings.py)")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    from replay.variants import VARIANTS
    for command in (serve, run):
        command.add_argument("--variant", metavar="NAME", default=None, choices=list(VARIANTS),
                             help="serve a layout variant: " + ", ".join(VARIANTS))
    sub.add_parser("variants", help="list the layout variants and what each changes")

    snap = sub.add_parser("snapshot", help="save article pages with their expected JSON")
    snap.add_argument("directory", help="where to write <site>/<id>-<kind>.html and .json")
    snap.add_argument("--per-site", type=int, default=8, help="pages per site (default 8)")
    return parser


def _serve(server: ReplayServer) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    with server:
        url = server.proxy_url
        print(f"Replay proxy serving on {url}", flush=True)
        print(f"TLS certificate (self-signed): {server.cert_file}", flush=True)
        print("Example:", flush=True)
        print(f"  https_proxy={url} http_proxy={url} scrapy crawl laodongthudo", flush=True)
        print("Ctrl-C to stop.", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


def _in_foreground_of_a_terminal() -> bool:
    """Whether our process group is the foreground group of our terminal.

    Then a SIGINT we get most likely came from Ctrl-C, which the terminal delivers to the whole
    group, child included; forwarding it again would make e.g. Scrapy see a second SIGINT and
    shut down uncleanly.
    """
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                return os.tcgetpgrp(fd) == os.getpgrp()
        except OSError:
            continue
    return False


def _exec(server: ReplayServer, cmd: list[str]) -> int:
    child: subprocess.Popen | None = None

    def forward(signum, frame):
        if child is None:
            return
        if signum == signal.SIGINT and _in_foreground_of_a_terminal():
            return      # Ctrl-C: the terminal already sent SIGINT to the child (our group)
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with server:
            print(f"replay: serving on {server.proxy_url} (port {server.port}) "
                  f"for: {' '.join(cmd)}", file=sys.stderr, flush=True)
            try:
                child = subprocess.Popen(cmd, env={**os.environ, **server.env()})
            except OSError as exc:
                print(f"replay: cannot run {cmd[0]!r}: {exc}", file=sys.stderr)
                return 127
            status = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # A child killed by a signal: report it the way a shell does.
    return status if status >= 0 else 128 - status


def _snapshot(directory: str, per_site: int) -> int:
    """Seeds first, then one article of each layout in turn, until `per_site` pages a site."""
    import json
    from pathlib import Path
    from urllib.parse import urlsplit

    from replay.web import ReplayWeb

    web = ReplayWeb()
    for site in ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov"):
        articles = web.articles(site)
        chosen = [a for a in articles if a.seed]
        kinds = sorted({a.kind for a in articles})
        while len(chosen) < per_site:
            before = len(chosen)
            for kind in kinds:
                pick = next((a for a in articles if a.kind == kind and a not in chosen), None)
                if pick and len(chosen) < per_site:
                    chosen.append(pick)
            if len(chosen) == before:
                break
        folder = Path(directory) / site
        folder.mkdir(parents=True, exist_ok=True)
        for article in chosen:
            parts = urlsplit(article.url)
            page = web.respond("GET", parts.netloc, parts.path)
            name = f"{article.article_id}-{'seed' + article.seed if article.seed else article.kind}"
            (folder / f"{name}.html").write_bytes(page.body)
            (folder / f"{name}.json").write_text(
                json.dumps(article.expected(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        # pages that are not articles: what must come out is "not an article"
        bad = web.bad_urls(site)
        others = [("video", bad["video"][0]), ("soft404", bad["soft404"][0]),
                  ("listing", web.start_urls(site)[0])]
        for kind, url in others:
            parts = urlsplit(url)
            page = web.respond("GET", parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
            (folder / f"not-article-{kind}.html").write_bytes(page.body)
            (folder / f"not-article-{kind}.json").write_text(json.dumps(
                {"url": url, "site": site, "is_article": False, "kind": kind},
                ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"{site}: {len(chosen)} articles and {len(others)} other pages in {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "snapshot":
        return _snapshot(args.directory, args.per_site)
    if args.command == "variants":
        from replay.variants import VARIANTS
        for v in VARIANTS.values():
            print(f"{v.name}  ({', '.join(v.sites)})\n    {v.description}")
            expect = [f"rules drifted: {', '.join(sorted(v.drifted)) or 'none'}",
                      f"listings incomplete: {', '.join(sorted(v.incomplete)) or 'none'}"]
            if v.decoys:
                expect.append("never requested: " + ", ".join(p for d in v.decoys.values() for p in d))
            print("    expected: " + "; ".join(expect))
        return 0
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")
    if args.verbose:
        logging.getLogger("replay").setLevel(logging.DEBUG)
    web = faults = None
    if args.encodings or args.variant:
        from replay.web import ReplayWeb
        web = ReplayWeb(encodings=args.encodings, variant=args.variant)
    if args.faults:
        from replay.faults import Faults
        try:
            faults = Faults.from_spec(args.faults, web=web)
        except ValueError as exc:
            _parser().error(f"--faults: {exc}")
    server = ReplayServer(web=web, host=args.host, port=args.port, faults=faults)
    if args.command == "serve":
        return _serve(server)
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        _parser().error("exec needs a command: python -m replay exec -- CMD [ARGS...]")
    return _exec(server, cmd)


if __name__ == "__main__":
    sys.exit(main())
