"""Exit codes and the one error class every package may raise for an outside service that failed.

The CLI maps what went wrong to an exit code a script can act on:
0 ok, 1 a run failed (a bug, a blocking data-quality check), 2 a configuration or input error
(missing keys, a bad file, a bad date: fix the input and re-run), 3 an external service failed
after its retries (Langfuse, the warehouse, Plausible, Metabase, Slack: retry later).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_CONFIG = 2
EXIT_SERVICE = 3


class ServiceUnavailable(ConnectionError):
    """An outside service did not answer (or kept failing) after its retries. The message names the
    service and the variable that points at it, never a secret. A ConnectionError so that code
    written against the builtin keeps catching it."""
