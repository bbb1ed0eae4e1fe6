"""The configuration of a Scrapyd node that runs newscrawl's spiders (`newscrawl cluster node`).

A node is a machine with newscrawl installed (`make setup` or `pip install newscrawl[cluster]`)
running Scrapyd. No egg is deployed: Scrapyd's ``[settings]`` section names the project
``newscrawl`` and its settings module, ``crawler.settings``, which the installed package provides,
so a node runs exactly the code of its checkout. Scrapyd reads ``scrapyd.conf`` from the directory
it starts in, and the ``scrapy list`` it runs to check a spider name reads ``scrapy.cfg`` there:
this module writes both.
"""
from __future__ import annotations

from pathlib import Path

PROJECT = "newscrawl"          # the project name on every node (schedule.json's `project`)


def write_node_config(directory: str | Path, port: int, max_proc: int = 1,
                      poll_interval: float = 0.5, bind: str = "127.0.0.1") -> Path:
    """Write DIRECTORY/scrapyd.conf for a node on `bind`:`port` running at most `max_proc` crawls
    at once (one per core is a fair share: a crawl is CPU-bound on extraction), its logs and job
    database under DIRECTORY, and DIRECTORY/scrapy.cfg; returns scrapyd.conf's path. Start `scrapyd` with DIRECTORY as cwd."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if max_proc < 1:
        raise ValueError(f"max_proc must be at least 1, not {max_proc}")
    config = directory / "scrapyd.conf"
    config.write_text(
        "# Written by `newscrawl cluster node` (crawler/cluster/nodeconf.py).\n"
        "[scrapyd]\n"
        f"bind_address = {bind}\n"
        f"http_port = {int(port)}\n"
        f"max_proc = {int(max_proc)}\n"
        f"poll_interval = {float(poll_interval)}\n"
        f"logs_dir = {directory / 'logs'}\n"
        f"dbs_dir = {directory / 'dbs'}\n"
        f"eggs_dir = {directory / 'eggs'}\n"
        "items_dir =\n"               # items go to the ingest through Redis, not to files
        "jobs_to_keep = 20\n"
        "finished_to_keep = 1000\n"
        "\n[settings]\n"
        f"{PROJECT} = crawler.settings\n", encoding="utf-8")
    (directory / "scrapy.cfg").write_text(
        "# Written by `newscrawl cluster node`: the project Scrapyd's `scrapy list` looks up.\n"
        f"[settings]\n{PROJECT} = crawler.settings\n", encoding="utf-8")
    return config
