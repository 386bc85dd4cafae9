"""The web: HTTP with limits (fetch.py), WARC evidence of what was fetched (evidence.py), and
feeds and sitemaps read into feed items (feeds.py). Nothing here knows pages or reports."""
