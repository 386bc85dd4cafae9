"""How fast a crawl may ask one host: requests in flight, spacing, and back-off.

A publisher's own site must not notice its archive being indexed. Every
request a crawl makes (redirect hops and retries included) first takes a turn
from :class:`HostPacer`, which for each host

* lets at most ``in_flight`` requests run at once;
* starts them at least ``interval`` seconds apart (the larger of the crawl's
  own minimum and the site's ``Crawl-delay``), so the rate never exceeds
  1 / interval, whatever the number of threads;
* holds every request back while the host has asked for a pause (429 or 503
  with ``Retry-After``): one overloaded answer slows the whole crawl of that
  host, not just the request that got it.

Hosts are keyed by the caller (a crawl uses the canonical host, so
``www.`` and bare twins, http and https, share one budget: they are one
server).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# How often a waiting request looks whether the crawl was stopped (seconds).
STOP_POLL = 0.2


class Stopped(Exception):
    """Raised to a request waiting for its turn when the crawl stops."""


@dataclass
class _Host:
    interval: float
    running: int = 0
    next_start: float = 0.0  # monotonic time before which no request may start
    paused_until: float = 0.0


class HostPacer:
    """Turns for requests, per host; thread-safe."""

    def __init__(
        self,
        in_flight: int = 2,
        interval: float = 0.5,
        *,
        clock: Callable[[], float] = time.monotonic,
        stop: threading.Event | None = None,
    ) -> None:
        if in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        self.in_flight = in_flight
        self.interval = max(0.0, interval)
        self._clock = clock
        self._stop = stop
        self._hosts: dict[str, _Host] = {}
        self._changed = threading.Condition()

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(self.interval)
        return host

    def set_interval(self, key: str, seconds: float) -> None:
        """At least this long between two request starts on this host (never below the default)."""
        with self._changed:
            self._host(key).interval = max(self.interval, seconds)
            self._changed.notify_all()

    def interval_of(self, key: str) -> float:
        with self._changed:
            return self._host(key).interval

    def pause(self, key: str, seconds: float) -> None:
        """No request starts on this host for ``seconds`` from now (a longer pause wins)."""
        with self._changed:
            host = self._host(key)
            host.paused_until = max(host.paused_until, self._clock() + max(0.0, seconds))
            self._changed.notify_all()

    @contextlib.contextmanager
    def turn(self, key: str) -> Iterator[None]:
        """Wait until a request to ``key`` may start; it counts as in flight inside the block."""
        with self._changed:
            host = self._host(key)
            while True:
                now = self._clock()
                ready = max(host.next_start, host.paused_until)
                if host.running < self.in_flight and now >= ready:
                    break
                if self._stop is not None and self._stop.is_set():
                    raise Stopped("the crawl was stopped")
                wait = None if host.running >= self.in_flight else ready - now
                # a stoppable wait never sleeps long without looking at the flag
                if self._stop is not None:
                    wait = STOP_POLL if wait is None else min(wait, STOP_POLL)
                self._changed.wait(wait)
            host.running += 1
            host.next_start = now + host.interval
        try:
            yield
        finally:
            with self._changed:
                host.running -= 1
                self._changed.notify_all()
