"""Progress a person can follow: a live bar on a terminal (rich), plain periodic lines otherwise
(CI, logs, `make demo | tee`).

Assets report through `report(...)`; the CLI installs a reporter for the length of a command
(`with progress_display(): ...`). Without one (the Dagster UI, the schedules) reports go to the
Dagster run log every few seconds, as before.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator

_PLAIN_EVERY_S = 10.0


class _Reporter:
    def task(self, key: str, description: str, total: float | None) -> None: ...
    def update(self, key: str, completed: float, detail: str) -> None: ...
    def finish(self, key: str, detail: str) -> None: ...
    def close(self) -> None: ...


class _RichReporter(_Reporter):
    """rich's Progress: done/total and ETA where the total is known, a spinner and rate otherwise."""

    def __init__(self, stream) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[detail]}"),
            console=Console(file=stream),
            transient=False,
        )
        self._tasks: dict[str, tuple[int, float | None]] = {}
        self._progress.start()

    def task(self, key, description, total):
        self._tasks[key] = (self._progress.add_task(description, total=total, detail=""), total)

    def update(self, key, completed, detail):
        self._progress.update(self._tasks[key][0], completed=completed, detail=detail)

    def finish(self, key, detail):
        task_id, total = self._tasks.pop(key)
        self._progress.update(task_id, completed=total or 1, total=total or 1, detail=detail)

    def close(self):
        self._progress.stop()


class _PlainReporter(_Reporter):
    """One line when a task starts, one every ~10 s while it runs, one when it ends."""

    def __init__(self, stream, every_s: float = _PLAIN_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self._stream, self._every_s, self._clock = stream, every_s, clock
        self._tasks: dict[str, tuple[str, float | None, float, float]] = {}  # description, total, start, last

    def _print(self, line: str) -> None:
        print(line, file=self._stream, flush=True)

    def task(self, key, description, total):
        now = self._clock()
        self._tasks[key] = (description, total, now, now)
        self._print(f"  {description} ...")

    def update(self, key, completed, detail):
        description, total, started, last = self._tasks[key]
        now = self._clock()
        if now - last < self._every_s:
            return
        self._tasks[key] = (description, total, started, now)
        share = ""
        if total:
            fraction = min(completed / total, 1.0)
            elapsed = now - started
            eta = f", eta {elapsed / fraction - elapsed:.0f}s" if fraction > 0.02 else ""
            share = f" {fraction:.0%}{eta};"
        self._print(f"  {description}:{share} {detail}".rstrip(" ;"))

    def finish(self, key, detail):
        description, _total, started, _last = self._tasks.pop(key)
        self._print(f"  {description}: done in {self._clock() - started:.0f}s; {detail}".rstrip("; "))


class _DbtLineFilter:
    """Stands for sys.stdout while dbt runs under a reporter: dbt's "12 of 377 PASS ..." lines move
    the bar; failures, errors and warnings are printed in full; the rest is dropped (--verbose keeps
    it all)."""

    _KEEP = re.compile(r"\b(ERROR|FAIL|WARN|Failure|Database Error|Compilation Error|Runtime Error)\b")
    _STEP = re.compile(r"^(\d+) of (\d+) (?:PASS|OK|ERROR|FAIL|WARN|SKIP|NO-OP)")

    def __init__(self, stream, key: str):
        self._stream, self._key, self._buffer = stream, key, ""
        self._started = False

    def write(self, text: str) -> int:
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        bare = re.sub(r"^\S+ \S+ \| |^\d\d:\d\d:\d\d\s+", "", line.strip())
        step = self._STEP.match(bare)
        if step:
            done, total = int(step.group(1)), int(step.group(2))
            with _lock:
                if _current is not None:
                    if not self._started:
                        _current.task(self._key, "dbt build", float(total))
                        self._started = True
                    _current.update(self._key, float(done), bare[:60])
        if self._KEEP.search(bare) and not bare.startswith("Done.") and "PASS" not in bare.split()[3:4]:
            print(line, file=self._stream, flush=True)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self._started:
            finish(self._key, "dbt done")


VERBOSE = False  # the CLI's --verbose: dbt's and Dagster's output in full

_current: _Reporter | None = None
_lock = threading.Lock()


def active() -> bool:
    return _current is not None


@contextlib.contextmanager
def progress_display(stream=None, *, live: bool | None = None) -> Iterator[None]:
    """Install a reporter: a live bar when `stream` is a terminal, plain lines otherwise."""
    global _current
    stream = stream or sys.stderr
    live = stream.isatty() if live is None else live
    reporter = _RichReporter(stream) if live else _PlainReporter(stream)
    previous, _current = _current, reporter
    try:
        yield
    finally:
        reporter.close()
        _current = previous


@contextlib.contextmanager
def collapsed_dbt_output() -> Iterator[None]:
    """While a reporter is installed and not --verbose: dbt's stdout collapsed to a bar and its
    failures (dagster-dbt re-prints every dbt event to sys.stdout)."""
    if _current is None or VERBOSE:
        yield
        return
    line_filter = _DbtLineFilter(sys.stderr, "dbt")
    with contextlib.redirect_stdout(line_filter):
        try:
            yield
        finally:
            line_filter.finish()


def start(key: str, description: str, total: float | None = None) -> bool:
    """Begin a task; False when no reporter is installed (the caller logs instead)."""
    with _lock:
        if _current is None:
            return False
        _current.task(key, description, total)
        return True


def update(key: str, completed: float, detail: str = "") -> None:
    with _lock:
        if _current is not None:
            _current.update(key, completed, detail)


def finish(key: str, detail: str = "") -> None:
    with _lock:
        if _current is not None:
            _current.finish(key, detail)
