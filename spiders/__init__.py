"""One small declaration per source site, on the templates in crawler/families.py.

`scrapy list` shows them; `scrapy crawl <name>` runs one from the repository root.
"""
