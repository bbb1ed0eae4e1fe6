"""newscrawl: crawl Vietnamese trade-union and labour news into one SQLite database."""
__version__ = "0.1.0"
