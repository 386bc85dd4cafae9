"""The one exit-code table every command follows, and the one-line failure.

It sits at the bottom of the package because every command reaches it: the
main command line in ``cli.py`` and the commands that live beside their stage
(``sweep``). Keeping it here lets those stages end a run the same way without
importing the command line above them.
"""

from __future__ import annotations

from typing import NoReturn

import click

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3
# Which code wins when several apply: bad input first, so a mistyped path is
# never hidden behind the violations found in the rest of the run.
PRECEDENCE = (EXIT_USAGE, EXIT_VIOLATION, EXIT_ERROR, EXIT_OK)

EXIT_CODES_HELP = """\b
Exit codes (every command):
  0  all checked, all compliant
  1  at least one violation
  2  bad usage or bad input: invalid option or policy, a named local
     file missing or unreadable, an unusable index or stored report
  3  some target could not be fetched or parsed, none broke the policy
When several apply: 2, then 1, then 3."""


def worst(*codes: int) -> int:
    """The exit code that wins among ``codes``, by :data:`PRECEDENCE`."""
    return min(codes, key=PRECEDENCE.index, default=EXIT_OK)


def fail(message: str) -> NoReturn:
    """End the run on bad usage or input: one line on standard error, exit code 2."""
    click.echo(f"reprint-check: {message}", err=True)
    raise SystemExit(EXIT_USAGE)
