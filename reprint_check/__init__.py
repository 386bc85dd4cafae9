"""reprint-check: enforce news publishers' republication policies."""

__version__ = "0.1.0"
