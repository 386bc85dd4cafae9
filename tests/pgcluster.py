"""A throw-away PostgreSQL server, made with the server's own tools: for tests and benchmarks.

``initdb`` in a temporary folder, trust authentication, loopback only, a free
port, the socket in the same folder; stopped and deleted on exit. ``initdb``
refuses to run as root, so as root the cluster belongs to the ``postgres``
system user (Debian's package creates it) or else to ``nobody``. Standard
library only, so the benchmarks use it without pytest.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Cluster:
    """A running server: the DSN of its ``postgres`` database, as its superuser."""

    dsn: str

    def database_dsn(self, name: str) -> str:
        parts = urlsplit(self.dsn)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def postgres_bin() -> Path | None:
    """Folder of initdb and pg_ctl: $PG_BIN, the PATH, or Debian's newest version."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    versions = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    versions.sort(key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """Who runs the server: None for this user, else an unprivileged system account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no postgres or nobody user to run the server as")


def _run(args: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    if user is not None:
        args = ["runuser", "-u", user, "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


@contextlib.contextmanager
def throwaway_cluster(settings: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """initdb, start on a free loopback port, yield, stop and delete. RuntimeError if it cannot.

    ``settings`` are server parameters (``-c name=value``) over the defaults.
    """
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server tools (initdb, pg_ctl) found")
    user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="rc-pg-"))
    data = base / "data"
    log = base / "server.log"
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(base, entry.pw_uid, entry.pw_gid)
        init = _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            user,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {(init.stderr or init.stdout).strip()[-500:]}")
        started = None
        for _attempt in range(3):  # the free port may be taken before the server binds it
            port = _free_port()
            given = " ".join(f"-c {k}={v}" for k, v in (settings or {}).items())
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {shlex.quote(str(base))} {given}"
            pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log)]
            started = _run([*pg_ctl, "-o", options, "-w", "-t", "60", "start"], user)
            if started.returncode == 0:
                break
        if started is None or started.returncode != 0:
            tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {tail.strip() or started}")
        try:
            yield Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres")
        finally:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user)
    finally:
        shutil.rmtree(base, ignore_errors=True)
