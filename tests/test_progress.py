"""Progress of long work (crawler/progress.py): real `newscrawl crawl` / `reextract` processes
through the replay, on a pipe (one line per site every NEWS_PROGRESS_INTERVAL seconds), with
`--quiet` (nothing), and on a terminal: a pseudo-terminal (rich's table redrawn in place) and a
tmux pane, whose screenshot is saved as test-artifacts/crawl-progress.png (gitignored).
"""
from __future__ import annotations

import io
import logging
import os
import pty
import re
import select
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crawler.progress import Progress, Row, format_line, parse_line

SLOW = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=False"]   # a crawl of ~5 s
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
EVERY_SECOND = ["-s", "NEWS_PROGRESS_INTERVAL=1"]
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


def newscrawl(*args, env, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def progress_rows(stderr: str) -> list[Row]:
    return [row for row in map(parse_line, stderr.splitlines()) if row is not None]


def summary_rows(stdout: str) -> dict[str, list[str]]:
    """{site: cells} of the summary table that `newscrawl crawl` prints."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("site "))
    out = {}
    for line in lines[start + 1:]:
        if line.startswith("---"):
            break
        cells = line.split()
        out[cells[0]] = cells
    return out


def runs(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["spider"]: dict(r) for r in conn.execute("select * from crawl_runs")}


def assert_last_lines_match_the_runs(rows: list[Row], db: Path, sites: list[str]) -> None:
    recorded = runs(db)
    for site in sites:
        mine = [r for r in rows if r.name == site]
        last = mine[-1]
        assert last.state == "finished", mine
        assert last.counts == {"pages": recorded[site]["pages_fetched"],
                               "new": recorded[site]["articles_new"],
                               "failed": recorded[site]["articles_failed"]}, (site, last)


def test_a_line_round_trips():
    row = Row("laodong", {"pages": 120, "new": 31, "failed": 0}, 64.0, "running", 1.94)
    line = format_line(row)
    assert line == ("progress: laodong: 120 pages, 31 new, 0 failed, 1.9 pages/s, "
                    "0:01:04 elapsed, running")
    back = parse_line(line + "\n")
    assert (back.name, back.counts, back.elapsed, back.state) == \
        ("laodong", row.counts, 64.0, "running")
    assert parse_line("2026-12-03 05:28:29 [laodong] WARNING: progress: nothing") is None


def test_a_failing_display_is_logged_once_and_the_work_goes_on(caplog, capsys):
    calls = []

    def broken() -> list[Row]:
        calls.append(1)
        raise ValueError("no counters")

    with caplog.at_level(logging.WARNING, logger="crawler.progress"):
        with Progress(broken, "lines", interval=0.1):
            time.sleep(0.5)
    assert len(calls) >= 3            # it kept trying, every interval and once at the end
    said = [r for r in caplog.records if "progress display failed" in r.getMessage()]
    assert len(said) == 1
    assert "progress:" not in capsys.readouterr().err


def test_a_non_terminal_crawl_prints_a_line_per_site_every_interval(replay_env, repo_root,
                                                                    tmp_path):
    db = tmp_path / "news.db"
    sites = ["hanoigov", "laodong"]
    started = time.monotonic()
    result = newscrawl("crawl", *sites, "--db", str(db), *SLOW, *EVERY_SECOND,
                       env=replay_env, cwd=repo_root)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    rows = progress_rows(result.stderr)
    for site in sites:
        running = [r for r in rows if r.name == site and r.state == "running"]
        # about one a second while the site ran (the crawl took `took` seconds, start-up included)
        assert 2 <= len(running) <= took + 1, (site, took, running)
        pages = [r.counts["pages"] for r in running]
        assert pages == sorted(pages) and pages[-1] > 0
        assert all(r.rate is not None and r.rate >= 0 for r in running)
    assert_last_lines_match_the_runs(rows, db, sites)
    assert "progress:" not in result.stdout           # the summary on stdout is untouched
    assert set(summary_rows(result.stdout)) == set(sites)


def test_quiet_prints_no_progress(replay_env, repo_root, tmp_path):
    db = tmp_path / "news.db"
    result = newscrawl("crawl", "laodong", "--db", str(db), "--quiet", *SLOW, *EVERY_SECOND,
                       env=replay_env, cwd=repo_root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "progress:" not in result.stderr + result.stdout
    assert runs(db)["laodong"]["articles_new"] > 0
    assert summary_rows(result.stdout)["laodong"][2] == str(runs(db)["laodong"]["articles_new"])


def test_crawl_jobs_shows_each_child_crawl(replay_env, repo_root, tmp_path):
    """--jobs: the children's progress lines, read from their stderr, in the parent's display."""
    db = tmp_path / "news.db"
    sites = ["laodongthudo", "nld", "tuoitrethudo"]
    result = newscrawl("crawl", *sites, "--jobs", "2", "--db", str(db), *SLOW, *EVERY_SECOND,
                       env=replay_env, cwd=repo_root)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    rows = progress_rows(result.stderr)
    for site in sites:
        assert any(r.name == site and r.state == "running" and r.counts["pages"] > 0
                   for r in rows), (site, rows)
    assert_last_lines_match_the_runs(rows, db, sites)
    quiet = newscrawl("crawl", *sites, "--jobs", "2", "--db", str(db), "--quiet", *FAST,
                      *EVERY_SECOND, env=replay_env, cwd=repo_root)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert "progress:" not in quiet.stderr


def test_reextract_shows_progress_too(crawled_db, repo_root, tmp_path):
    db = tmp_path / "news.db"
    with sqlite3.connect(crawled_db) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    result = newscrawl("reextract", "--db", str(db), "--jobs", "1", *EVERY_SECOND,
                       env=dict(os.environ), cwd=repo_root)
    assert result.returncode == 0, result.stderr[-3000:]
    read = int(re.search(r"read (\d+)", result.stdout)[1])
    last = progress_rows(result.stderr)[-1]
    assert (last.name, last.state, last.counts["read"]) == ("all sites", "finished", read)
    quiet = newscrawl("reextract", "--db", str(db), "--jobs", "1", "--quiet", *EVERY_SECOND,
                      env=dict(os.environ), cwd=repo_root)
    assert quiet.returncode == 0 and "progress:" not in quiet.stderr
    topics = newscrawl("reextract", "--db", str(db), "--topics-only", *EVERY_SECOND,
                       env=dict(os.environ), cwd=repo_root)
    assert topics.returncode == 0, topics.stderr[-3000:]
    last = progress_rows(topics.stderr)[-1]
    assert (last.state, last.counts["read"]) == \
        ("finished", int(re.search(r"recomputed for (\d+)", topics.stdout)[1]))


def run_in_pty(command: list[str], env: dict, cwd: Path, timeout: float = 120) -> bytes:
    """Run `command` with a pseudo-terminal as stdin, stdout and stderr; all it wrote."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal, env=env,
                            cwd=cwd, close_fds=True)
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:        # EIO: the process closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif proc.poll() is not None:
                break
    finally:
        os.close(controller)
        proc.wait(timeout=30)
    assert proc.returncode == 0, output[-3000:].decode(errors="replace")
    return bytes(output)


def test_a_crawl_on_a_terminal_redraws_a_table_in_place(replay_env, repo_root, tmp_path):
    db = tmp_path / "news.db"
    env = {**replay_env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    out = run_in_pty([sys.executable, "-m", "crawler.cli", "crawl", "hanoigov", "laodong",
                      "--db", str(db), *SLOW], env, repo_root).decode("utf-8", "replace")
    assert "progress:" not in out                    # the table, not the lines
    frames = out.count("pages/s")                    # the table's header, once a frame
    assert frames >= 4, out[-3000:]
    assert "\x1b[2K" in out and "\x1b[1A" in out     # erase line, cursor up: redrawn in place
    # the counters moved between frames, and the last frame says both sites finished
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    counts = re.findall(r"^laodong\s+(\d+)\s+\d+\s+\d+\s", plain, re.M)
    assert len(set(counts)) >= 2, counts
    last_frame = plain[plain.rindex("pages/s"):]
    assert re.search(r"^hanoigov\s.*finished", last_frame, re.M), last_frame
    assert re.search(r"^laodong\s.*finished", last_frame, re.M), last_frame
    summary = plain[plain.rindex("site "):]
    assert f"newscrawl serve --db {db}" in summary


def need(program: str | None, what: str) -> str:
    if program is None:
        message = f"{what} is not installed: `make test` installs it (apt-get)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return program


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True,
                          check=True, timeout=30).stdout


def test_screenshot_of_a_replay_crawl_under_tmux(replay_env, repo_root, tmp_path):
    """The live display of a crawl of the six sites in a 120x36 tmux pane, mid-crawl, saved as
    test-artifacts/crawl-progress.png (and .html, .txt): rich's export of the pane's colours,
    drawn by headless chromium."""
    need(shutil.which("tmux"), "tmux")
    browser = need(CHROMIUM, "chromium")
    db = tmp_path / "news.db"
    socket = f"newscrawl-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in replay_env.items() if "proxy" in k.lower()}
    # the pane's size, not pytest's COLUMNS / LINES
    command = shlex.join(["env", "-u", "COLUMNS", "-u", "LINES",
                          *(f"{k}={v}" for k, v in env.items()), "TERM=xterm-256color",
                          sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
                          "-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=False"])
    tmux(socket, "new-session", "-d", "-x", "120", "-y", "36", "-c", str(repo_root),
         f"{command}; echo CRAWL-EXIT-$?; sleep 600")
    try:
        shot_ansi = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:       # mid-crawl: every site running, pages counted
            pane = tmux(socket, "capture-pane", "-p", "-t", "0")
            running = re.findall(r"^\S+\s+(\d+)\s+\d+\s+\d+\s+[\d.]+\s+\d:\d\d:\d\d\s+running",
                                 pane, re.M)
            if len(running) == 6 and all(int(p) >= 10 for p in running):
                shot_ansi = tmux(socket, "capture-pane", "-p", "-e", "-t", "0")
                break
            assert "CRAWL-EXIT" not in pane, pane
            time.sleep(0.3)
        assert shot_ansi is not None, pane
        while "CRAWL-EXIT" not in pane and time.monotonic() < deadline:
            time.sleep(0.5)
            pane = tmux(socket, "capture-pane", "-p", "-t", "0")
        assert "CRAWL-EXIT-0" in pane, pane
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=30)

    assert "\x1b[" in shot_ansi                       # colours: rich's styles, as tmux kept them
    from rich.console import Console
    from rich.terminal_theme import MONOKAI
    from rich.text import Text

    console = Console(record=True, width=120, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor")
    console.print(Text.from_ansi(shot_ansi.rstrip("\n")), soft_wrap=True)
    artifacts = repo_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "crawl-progress.ansi").write_text(shot_ansi, encoding="utf-8")
    (artifacts / "crawl-progress.txt").write_text(console.export_text(clear=False),
                                                  encoding="utf-8")
    html = artifacts / "crawl-progress.html"
    html.write_text(console.export_html(theme=MONOKAI), encoding="utf-8")
    shot = artifacts / "crawl-progress.png"
    shot.unlink(missing_ok=True)
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-proxy-server", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--screenshot={shot}",
         "--window-size=1240,760", "--hide-scrollbars", html.as_uri()],
        env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    text = (artifacts / "crawl-progress.txt").read_text(encoding="utf-8")
    assert "pages/s" in text and text.count("running") == 6
