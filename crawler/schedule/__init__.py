"""The nightly schedule: `python scheduler.py` / `newscrawl schedule`.

One long-running process (systemd, tmux, a container) that crawls each site on its own cron
schedule, in Asia/Ho_Chi_Minh time, each crawl in its own process with a time limit, each
recorded in crawl_runs (README.md, "Nightly schedule"). Read top-down:

* ``config.py``   schedule.toml: reading and checking it (``load_config``, ``Config``,
  ``SiteSchedule``, durations, crontab expressions);
* ``runner.py``   one crawl child process: ``start_crawl`` (also used by `newscrawl crawl
  --jobs N`), the time limit, SIGTERM then SIGKILL, the exit status and the run's final
  crawl_runs row, output prefixed by the site, per-site lock files;
* ``service.py``  the APScheduler 3.x wiring: one job per site, skip-if-running, catch-up of a
  slot missed while the scheduler was down, signals, logging, ``--run-now`` and ``--list``;
* ``command.py``  the click command behind both `newscrawl schedule` and `python scheduler.py`.

The database is asked only through crawler/store's NewsDB (no SQL here).
"""
