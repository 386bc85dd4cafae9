"""Crawling a publisher's site into the index: ``index add SITE`` and ``index sync``.

site.py discovers, fetches politely and resumes; frontier.py keeps the URLs found on disk;
journal.py keeps what was fetched until the index holds it; wordpress.py reads posts from
the WordPress REST API. The HTTP politeness it needs (pacing,
robots.txt) lives in web/.
"""
