"""From a failed Dagster run to the one line a person reads, and the exit code a script acts on.

Dagster wraps what the asset raised (`DagsterExecutionStepExecutionError` -> the user exception ->
its `__cause__`/`__context__`); the domain error that says what to fix sits somewhere in that chain.
Classification is by class, never by parsing messages: the domain packages raise `ConfigError`
(settings, bad files, refused credentials) or `ServiceUnavailable` (an outside service failed after
its retries); everything else is a failed run.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from llmcosts_core.errors import EXIT_CONFIG, EXIT_RUN_FAILED, EXIT_SERVICE, ServiceUnavailable
from llmcosts_core.settings import ConfigError

OWN_PACKAGES = ("ingestion", "alerts", "metabase", "llmcosts_core", "orchestration")


@dataclass(frozen=True)
class Failure:
    message: str
    exit_code: int
    run_id: str | None = None

    def line(self) -> str:
        where = f" (Dagster run {self.run_id})" if self.run_id else ""
        return f"error: {self.message}{where}"


class RunFailed(RuntimeError):
    """A Dagster run failed. Carries the run id (its log is in the Dagster UI) and the domain error
    found in the failure chain, with its exit code."""

    def __init__(self, failure: Failure, original: BaseException | None = None):
        super().__init__(failure.message)
        self.failure = failure
        self.original = original

    def trace(self) -> str:
        if self.original is None:
            return ""
        return "".join(traceback.format_exception(self.original))


def _chain(exc: BaseException):
    """Every exception in a failure chain, outermost first, each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # Dagster keeps the asset's exception on its wrapper; Python on __cause__ / __context__.
        todo.extend([getattr(current, "user_exception", None), current.__cause__, current.__context__])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def classify(exc: BaseException, run_id: str | None = None) -> Failure:
    """The domain error behind `exc` (the deepest one that names what to fix) and its exit code."""
    chain = list(_chain(exc))
    for candidate in chain:
        if isinstance(candidate, RunFailed):
            return candidate.failure
    for candidate in chain:
        if isinstance(candidate, ConfigError):
            return Failure(_first_line(candidate), EXIT_CONFIG, run_id)
        if isinstance(candidate, ServiceUnavailable):
            return Failure(_first_line(candidate), EXIT_SERVICE, run_id)
    from dagster._core.errors import DagsterAssetCheckFailedError, DagsterError

    for candidate in chain:
        if isinstance(candidate, DagsterAssetCheckFailedError):
            # Dagster lists the checks on the lines after its first: one line, checks named.
            lines = [line.strip() for line in str(candidate).strip().splitlines() if line.strip()]
            failed = "; ".join(lines[1:]) or "see the run log"
            return Failure(f"blocking data-quality check failed ({failed}); nothing downstream was built. "
                           "See raw.data_quality_results, fix the data, re-run the ingest", EXIT_RUN_FAILED, run_id)

    # The innermost exception that is not Dagster's own wrapper says what broke.
    domain = [c for c in chain if not isinstance(c, DagsterError)] or chain
    innermost = domain[-1]
    message = _first_line(innermost)
    ours = type(innermost).__module__.split(".")[0] in OWN_PACKAGES  # our messages say what to fix
    if not ours and type(innermost).__name__ not in message:
        message = f"{type(innermost).__name__}: {message}"
    return Failure(message, EXIT_RUN_FAILED, run_id)
