"""CPU seconds spent by each party of an ingestion run: the Langfuse-compatible server, Postgres
(every backend, including the loader's extra writer sessions that exit before the run ends) and the
loader itself (measured in its own process). On a small machine the three share the cores, so
their sum per observation is what bounds throughput, whatever the pipeline overlaps."""

from __future__ import annotations

import time

import psutil
import psycopg


def _own_and_reaped_children(process: psutil.Process) -> float:
    times = process.cpu_times()
    # children_*: what the process's exited children used (Postgres backends that closed mid-run)
    return times.user + times.system + times.children_user + times.children_system


def process_cpu_seconds(pid: int) -> float:
    return _own_and_reaped_children(psutil.Process(pid))


def _wait_for_closed_sessions(conn: psycopg.Connection, postmaster: psutil.Process, timeout_s: float) -> None:
    """A session's CPU moves to the postmaster's children_* times only once its backend has exited
    and been reaped; until then (a zombie) it is counted nowhere. Wait for the load's sessions to
    be gone: only this one left, and no zombie children."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        others = conn.execute(
            "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"
        ).fetchone()[0]
        zombies = [c for c in postmaster.children() if c.status() == psutil.STATUS_ZOMBIE]
        if others == 0 and not zombies:
            return
        time.sleep(0.05)


def postgres_cpu_seconds(url: str, *, wait_s: float = 10.0) -> float | None:
    """CPU seconds of the whole Postgres server behind `url` so far, once other sessions have
    closed (up to `wait_s`), or None when it is not a process on this machine (a remote
    DATABASE_URL) or cannot be read."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            backend_pid = conn.execute("select pg_backend_pid()").fetchone()[0]
            postmaster = psutil.Process(backend_pid).parent()
            if postmaster is None:
                return None
            _wait_for_closed_sessions(conn, postmaster, wait_s)
            total = _own_and_reaped_children(postmaster)
            for child in postmaster.children():
                if child.pid == backend_pid:
                    continue  # this measuring session, not the load's
                try:
                    times = child.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += times.user + times.system
            return total
    except (psutil.Error, psycopg.Error):
        return None
