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
    """A target or source that could not be fetched or parsed; the run goes on without it.

    A crawler decides what to do next from more than the message: ``status``
    is the HTTP status that ended the fetch (404 and 410 mark an article gone),
    ``transient`` says another try later may succeed (a 5xx, a 429, a broken
    connection), ``retry_after`` is the wait the server asked for, in seconds
    (uncapped), and ``refused`` says the request was never made (a crawl's
    rules: robots.txt, another site).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
        refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.refused = refused


class IndexStoreError(ReprintCheckError):
    """The source index cannot be opened, read or written."""


class SemanticUnavailable(InputError):
    """``--semantic`` was asked for but its models cannot be installed or loaded here (exit 2)."""
