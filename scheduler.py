"""The nightly schedule that keeps data/news.db fresh: `python scheduler.py` (`newscrawl schedule`).

    python scheduler.py                      # run every site on its schedule until SIGTERM
    python scheduler.py --list               # each site's schedule, next run and last run
    python scheduler.py --run-now [SITE]...  # crawl SITE(s) (default: every scheduled one) now
    python scheduler.py --config PATH        # default: ./schedule.toml (commented; read it)

Schedules are cron expressions in Asia/Ho_Chi_Minh time, per site (default: every site nightly,
staggered over 01:00-03:00, with jitter). Each crawl runs in its own process with a time limit and
lands in crawl_runs; the log goes to data/logs/scheduler.log (rotated) and stderr. This file only
calls the click command of crawler/schedule/command.py (the package crawler/schedule/ holds the
logic); README.md, "Nightly schedule", shows systemd and cron set-ups.
"""
import sys
from pathlib import Path

if __name__ == "__main__":
    root = str(Path(__file__).resolve().parent)
    if root not in sys.path:  # run from elsewhere: make the source checkout importable
        sys.path.insert(0, root)
    from crawler.schedule.command import schedule_command

    schedule_command.main(prog_name="scheduler.py")
