"""Headless Chromium for checking HTML reports: dump the DOM, collect console output, screenshot.

Shared by the browser test, ``scripts/screenshot.py`` and
``benchmarks/dev_report.py``. Chromium runs with a throw-away profile and
every background service off, so it neither reaches the network nor
leaves anything behind; console messages (``console.*`` calls and uncaught
errors) come from its log on standard error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
TIMEOUT_SECONDS = 120  # a first start on a cold CI machine can take a while
# Chromium logs each console message as: [pid:tid:time:INFO:CONSOLE(12)] "text", source: url (12)
_CONSOLE = re.compile(r':CONSOLE[:(]\d*\)?\] "(?P<message>.*)", source: ')


@dataclass(frozen=True)
class BrowserRun:
    stdout: str
    console: tuple[str, ...]  # every console message the page produced, uncaught errors included


def find_chromium() -> str | None:
    """The browser binary: ``$CHROMIUM`` if set, else the first known name on PATH."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run(binary: str, url: str, *extra: str) -> BrowserRun:
    """Load ``url`` once with ``extra`` flags (``--dump-dom``, ``--screenshot=…``)."""
    with tempfile.TemporaryDirectory(prefix="reprint-check-chromium-") as profile:
        done = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            check=False,
            cwd=profile,
        )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"{binary} exited with {done.returncode} on {url}: {' | '.join(tail)}")
    messages = tuple(m.group("message") for m in _CONSOLE.finditer(done.stderr))
    return BrowserRun(stdout=done.stdout, console=messages)


def dump_dom(binary: str, url: str) -> BrowserRun:
    """The DOM after the page's scripts ran, serialised, plus the console messages."""
    return run(binary, url, "--dump-dom")


def screenshot(binary: str, url: str, png: Path, *, width: int = 1280, height: int = 1600) -> None:
    """A PNG of the page's top ``width`` × ``height`` pixels."""
    run(binary, url, f"--screenshot={png.resolve()}", f"--window-size={width},{height}")
    if not png.is_file():
        raise RuntimeError(f"{binary} made no screenshot at {png}")
