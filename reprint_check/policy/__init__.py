"""Republication policies: the ``rules/*.toml`` format (rules.py), in plain words (explain.py)."""
