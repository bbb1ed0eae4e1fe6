"""The nightly schedule that keeps data/news.db fresh: coming (see the issue "scheduler.py keeps
the database fresh every night"). Until then, run `newscrawl crawl` from cron, e.g.

    30 1 * * *  cd /path/to/newscrawl && .venv/bin/newscrawl crawl >> data/cron.log 2>&1
"""
import sys

if __name__ == "__main__":
    sys.exit("scheduler.py is not written yet: run `newscrawl crawl` from cron meanwhile "
             "(see the docstring at the top of scheduler.py).")
