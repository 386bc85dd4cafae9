"""The package version, alone, so that any stage (the fetcher's User-Agent, the WARC
writer's software field) can name it without importing the package root."""

__version__ = "0.1.0"
