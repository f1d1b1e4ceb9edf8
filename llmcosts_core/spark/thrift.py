"""Spark SQL through the Thrift server (HiveServer2 protocol, PyHive): the one way llmcosts talks
to Spark, for dbt (dbt-spark's `thrift` method) and for the lake writer and the publisher.

PyHive's errors carry the whole Java stack trace in their message; `SparkSqlError` keeps the one
line a person needs (Spark's own error message).
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from llmcosts_core.errors import ServiceUnavailable


# thrift logs "Could not connect to any of [...]" at ERROR before raising; the ServiceUnavailable
# raised below says the same with the fix, so a person reads one line per error, not two.
logging.getLogger("thrift.transport.TSocket").setLevel(logging.CRITICAL)


class SparkSqlError(RuntimeError):
    """Spark refused a statement. `str()` is Spark's message, without the Java stack."""


def spark_error_message(exc: BaseException) -> str:
    # PyHive raises OperationalError(response): the Thrift response's status holds the message.
    status = getattr(exc.args[0], "status", None) if exc.args else None
    message = getattr(status, "errorMessage", None) or str(exc)
    message = message.replace("Error running query: ", "")
    # "org.apache.spark.sql.AnalysisException: [CODE] ..." -> "[CODE] ..."
    message = re.sub(r"^(?:\[[A-Z_.]+\] )?[a-z][\w.]*(?:Exception|Error): ", "", message)
    return message.strip()[:2000]


@contextmanager
def thrift_connection(host: str, port: int, *, username: str = "llmcosts", database: str = "default") -> Iterator:
    from pyhive import hive  # imported lazily: only the Spark warehouse needs it

    try:
        conn = hive.connect(host=host, port=port, username=username, database=database)
    except (OSError, socket.error) as exc:  # noqa: UP024 -- thrift raises either
        raise ServiceUnavailable(
            f"the Spark Thrift server at {host}:{port} is not reachable ({exc.__class__.__name__}); "
            "check LLMCOSTS_SPARK_THRIFT_HOST / LLMCOSTS_SPARK_THRIFT_PORT, or start the local "
            "cluster with `llmcosts spark start`"
        ) from None
    except Exception as exc:  # thrift's TTransportException is not an OSError
        if exc.__class__.__name__ == "TTransportException":
            raise ServiceUnavailable(
                f"the Spark Thrift server at {host}:{port} is not reachable; check "
                "LLMCOSTS_SPARK_THRIFT_HOST / LLMCOSTS_SPARK_THRIFT_PORT, or start the local "
                "cluster with `llmcosts spark start`"
            ) from None
        raise
    try:
        yield conn
    finally:
        # closing a dead connection must not hide the real error
        with suppress(Exception):
            conn.close()


def execute(cursor, statement: str, parameters: Sequence[Any] | None = None) -> list[tuple]:
    """Run one statement; rows when it returns any. Raises SparkSqlError with Spark's message."""
    from pyhive.exc import DatabaseError

    try:
        cursor.execute(statement, parameters)
    except DatabaseError as exc:
        raise SparkSqlError(spark_error_message(exc)) from None
    if cursor.description is None:
        return []
    try:
        return cursor.fetchall()
    except DatabaseError as exc:
        raise SparkSqlError(spark_error_message(exc)) from None


def quote_literal(value: str) -> str:
    """A Spark SQL string literal (backslash and quote escaped: Spark reads backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
