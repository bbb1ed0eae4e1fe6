"""The pieces `crawler/extraction.py` reads a page with: text (`text`), dates (`dates`), page
metadata (`meta`) and the layout-independent signals the fallbacks use (`signals`).

`crawler.extraction.extract_article` is the one entry point; nothing else should import these
modules for extraction, except to reuse a helper (dates, NFC text)."""
