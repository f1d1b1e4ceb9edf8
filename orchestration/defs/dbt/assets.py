"""The dbt models as Dagster assets: one `dbt build` per run, dbt tests surfacing as asset checks.

Asset keys are `[schema, model]` (e.g. `["marts", "feature_costs"]`) from the schema each dbt
folder configures; groups are the top-level dbt folders (staging, intermediate, marts); the raw
sources map to upstream assets through their `meta.dagster.asset_key` (`llm_calls`, `app_users`).
Nothing here names a model: the translator reads folders, config and meta from the manifest.
"""

# No `from __future__ import annotations`: Dagster reads the config class from the annotation.
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from alerts.alert_log import ensure_schema as ensure_alert_log_schema
from llmcosts_core.settings import get_settings
from llmcosts_core.warehouse import connect
from orchestration.defs.dbt.project import dbt_run_environ, ensure_manifest, llmcosts_dbt_project
from orchestration.lib.environ import patched_environ
from orchestration.lib.progress import collapsed_dbt_output

DBT_ASSETS_OP_NAME = "llmcosts_dbt_models"


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build. Dates are 'YYYY-MM-DD' (UTC days)."""

    as_of: str | None = None  # exclusive end of the reporting windows; default today (UTC)
    full_refresh: bool = False  # rebuild incremental models from the whole history
    min_date: str | None = None  # with max_date: rebuild fct_llm_costs_daily for [min_date, max_date)
    max_date: str | None = None


def build_dbt_vars(as_of: date, min_date: date | None = None, max_date: date | None = None) -> dict[str, str]:
    """The `--vars` of a dbt build. The rebuild window is half-open [min_date, max_date): both
    or neither; without them dbt uses its lookback from as_of."""
    if (min_date is None) != (max_date is None):
        raise ValueError("give both min_date and max_date, or neither")
    dbt_vars = {"as_of": as_of.isoformat()}
    if min_date is not None and max_date is not None:
        if max_date <= min_date:
            raise ValueError(
                f"max_date ({max_date}) must be after min_date ({min_date}): the window is [min_date, max_date)"
            )
        dbt_vars["min_date"] = min_date.isoformat()
        dbt_vars["max_date"] = max_date.isoformat()
    return dbt_vars


def dbt_build_args(config: DbtBuildConfig, today: date | None = None) -> list[str]:
    """The dbt command line for a run configuration."""
    as_of = date.fromisoformat(config.as_of) if config.as_of else (today or datetime.now(UTC).date())
    dbt_vars = build_dbt_vars(
        as_of,
        date.fromisoformat(config.min_date) if config.min_date else None,
        date.fromisoformat(config.max_date) if config.max_date else None,
    )
    args = ["build", "--vars", json.dumps(dbt_vars)]
    if config.full_refresh:
        args.append("--full-refresh")
    return args


def dbt_run_config(
    as_of: str | None = None,
    full_refresh: bool = False,
    min_date: str | None = None,
    max_date: str | None = None,
) -> dict[str, Any]:
    """The run_config that passes a DbtBuildConfig to the dbt assets' op (for the CLI and tests)."""
    config = DbtBuildConfig(as_of=as_of, full_refresh=full_refresh, min_date=min_date, max_date=max_date)
    return {"ops": {DBT_ASSETS_OP_NAME: {"config": config.model_dump(exclude_none=True)}}}


class LlmcostsDbtTranslator(DagsterDbtTranslator):
    """Groups from dbt folders (or an explicit `meta.dagster.group`); keys from the default rule,
    which is `[configured schema, model name]` for our models and the source's meta asset_key."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        explicit = super().get_group_name(dbt_resource_props)
        if explicit:
            return explicit
        # fqn = [project, folder, ..., name]: the top folder is the layer.
        fqn = dbt_resource_props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 else None


def _quality_gate() -> None:
    """No build on data a blocking check found wrong (ingestion.quality.results)."""
    from ingestion.quality.results import raise_on_blocking_failures
    from ingestion.schema import migrate
    from llmcosts_core.warehouse import connect

    with connect() as conn:
        migrate(conn)
        conn.commit()
        raise_on_blocking_failures(conn)


_project = llmcosts_dbt_project()


@dbt_assets(
    manifest=ensure_manifest(_project),
    project=_project,
    name=DBT_ASSETS_OP_NAME,
    dagster_dbt_translator=LlmcostsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def llmcosts_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    args = dbt_build_args(config)
    # A blocking data-quality failure on raw.llm_calls stops the build before anything reads it.
    _quality_gate()
    # The dashboards read alerts.alert_log beside the marts: it must exist (empty) from the first
    # build, not only after the first alert run. Its DDL stays with its owner, alerts/ (the
    # statement is `create ... if not exists`, so this is a no-op once it exists).
    with connect(get_settings()) as conn:
        ensure_alert_log_schema(conn)
    settings = get_settings()
    if settings.uses_spark:
        _prepare_spark_sources(context, settings)
    context.log.info("dbt %s", " ".join(args))
    with patched_environ(dbt_run_environ()), collapsed_dbt_output():
        yield from dbt.cli(args, context=context).stream()
    if settings.uses_spark:
        # Only after a build that passed: a failed build leaves yesterday's marts being served.
        _publish_spark_marts(context, settings)


def _prepare_spark_sources(context: dg.AssetExecutionContext, settings) -> None:
    """On Spark, dbt reads the control tables (budgets, app users, price list, bills, usage) from
    the lake: copy today's Postgres rows there first (small tables; raw calls are already on it)."""
    from ingestion.lake.mirror import mirror_control_tables
    from llmcosts_core.spark import require_spark

    require_spark(settings)
    mirrored = mirror_control_tables(settings)
    context.log.info(
        "mirrored %d control tables into Spark (%s rows)", len(mirrored), f"{sum(mirrored.values()):,}"
    )


def _publish_spark_marts(context: dg.AssetExecutionContext, settings) -> None:
    from llmcosts_core.spark.publish import publish_marts

    published = publish_marts(settings)
    context.log.info(
        "published %d marts from Spark into Postgres (%s rows)",
        len(published), f"{sum(t.rows for t in published):,}",
    )
