"""`newscrawl add-site URL`: a new source in one command (issue 23).

fetch.py (the polite reader), shapes.py (the article URL pattern), inspect.py (feeds, sitemaps,
sections, samples; the refusals), declaration.py (the file in spiders/ and the report),
command.py (the click command, and the samples `newscrawl check` reads again).
"""
