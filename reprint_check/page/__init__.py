"""Pages: HTML or text in, a Page out (visible text, blocks, links, offsets).

Also what a page says about itself: its article, its robots directives, where its
links land, and why it shows no text.
"""
