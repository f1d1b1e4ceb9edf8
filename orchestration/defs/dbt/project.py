"""The one dbt project handle, and the process environment dbt runs with.

The dbt assets need dbt's manifest to exist when their definitions load. `prepare_if_dev()` only
re-parses under `dagster dev`; everywhere else (the CLI, tests, a fresh clone without `target/`)
`ensure_manifest()` runs `dbt parse` once when the manifest is missing or older than the project
files. Parsing never connects to the warehouse, so it does not start the embedded Postgres.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from llmcosts_core.settings import PROJECT_ROOT, get_settings
from llmcosts_core.spark import thrift_address
from llmcosts_core.warehouse import dbt_connection_env
from orchestration.lib.environ import patched_environ

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# The variables profiles.yml reads. `dbt parse` renders the profile but never connects, so
# these stand-ins let a clone without any warehouse configuration load the definitions.
_PARSE_ONLY_CONNECTION_ENV = {
    "LLMCOSTS_PG_HOST": "parse-only.invalid",
    "LLMCOSTS_PG_PORT": "5432",
    "LLMCOSTS_PG_USER": "parse-only",
    "LLMCOSTS_PG_PASSWORD": "",
    "LLMCOSTS_PG_DBNAME": "parse-only",
    "LLMCOSTS_DBT_TARGET": "warehouse",
    "LLMCOSTS_SPARK_THRIFT_HOST": "parse-only.invalid",
    "LLMCOSTS_SPARK_THRIFT_PORT": "10000",
}
_NO_TELEMETRY_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
_PROJECT_SOURCES = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")


def dbt_executable() -> str:
    """The dbt installed beside this Python: `make` runs `.venv/bin/...` without activating the
    virtualenv, so `dbt` is often not on PATH."""
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("dbt") or "dbt"


def _parse_environ() -> dict[str, str]:
    """Environment for `dbt parse` run by dagster-dbt's preparer, which calls the `dbt` on PATH."""
    stand_ins = {key: value for key, value in _PARSE_ONLY_CONNECTION_ENV.items() if key not in os.environ}
    path = os.pathsep.join([str(Path(dbt_executable()).parent), os.environ.get("PATH", "")])
    return {**stand_ins, **_NO_TELEMETRY_ENV, "PATH": path}


@cache
def llmcosts_dbt_project() -> DbtProject:
    """The cached DbtProject (constructing it reads dbt_project.yml; it does not run dbt, except
    the re-parse that `prepare_if_dev()` does under `dagster dev`)."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    with patched_environ(_parse_environ()):
        project.prepare_if_dev()
    return project


def dbt_run_environ() -> dict[str, str]:
    """The environment a dbt command needs at run time: the warehouse connection (resolved now,
    never at import) and no telemetry. With LLMCOSTS_WAREHOUSE=spark dbt builds on the Spark Thrift
    server (target `spark`), and the embedded Postgres is not started: dbt reads the control tables
    from their Parquet mirror on the lake, not from Postgres."""
    if get_settings().uses_spark:
        host, port = thrift_address()
        connection = {
            "LLMCOSTS_DBT_TARGET": "spark",
            "LLMCOSTS_SPARK_THRIFT_HOST": host,
            "LLMCOSTS_SPARK_THRIFT_PORT": str(port),
        }
    else:
        connection = {"LLMCOSTS_DBT_TARGET": "warehouse", **dbt_connection_env()}
    return {**connection, **_NO_TELEMETRY_ENV}


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_SOURCES:
        path = project_dir / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for file in path.rglob("*"):
                if file.is_file():
                    newest = max(newest, file.stat().st_mtime)
    return newest


def manifest_is_current(project: DbtProject) -> bool:
    manifest = project.manifest_path
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project.project_dir)


def ensure_manifest(project: DbtProject | None = None) -> Path:
    """Path of a manifest.json matching the project files, running `dbt parse` if needed."""
    project = project or llmcosts_dbt_project()
    if not manifest_is_current(project):
        with patched_environ(_parse_environ()):
            # The preparer holds a file lock, so concurrent processes parse once.
            project.preparer.prepare(project)
    return project.manifest_path
