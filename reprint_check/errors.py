"""One exception family; the CLI maps each kind to an exit code and one line.

Every message is a single line that names the input and the problem, because
it is what an editor or a CI log shows instead of a traceback.
"""

from __future__ import annotations


class ReprintCheckError(Exception):
    """Base of every error reprint-check raises on purpose."""


class InputError(ReprintCheckError):
    """Bad usage or bad input given on the command line (exit code 2)."""


class PolicyError(InputError):
    """A policy file that cannot be used: names the file, the key and what was expected."""


class FetchError(ReprintCheckError):
    """A target or source that could not be fetched or parsed; the run goes on without it."""


class IndexStoreError(ReprintCheckError):
    """The source index cannot be opened, read or written."""


class SemanticUnavailable(InputError):
    """``--semantic`` was asked for but its models cannot be installed or loaded here (exit 2)."""
