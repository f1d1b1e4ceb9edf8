"""The `app_users` asset: the product's users, upstream of the cohort marts in dbt."""

import dagster as dg

from ingestion.app_users import app_users_source_from_env, load_app_users
from llmcosts_core.warehouse import connect


@dg.asset(
    key="app_users",
    group_name="ingestion",
    kinds={"postgres"},
    description=(
        "raw.app_users, loaded from LLMCOSTS_APP_USERS_CSV or LLMCOSTS_APP_USERS_SQL (optional: "
        "without either the asset loads nothing and the cohort marts stay empty)."
    ),
)
def app_users(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    source = app_users_source_from_env()
    if source is None:
        context.log.info("no app users source configured (LLMCOSTS_APP_USERS_CSV / LLMCOSTS_APP_USERS_SQL)")
        return dg.MaterializeResult(metadata={"configured": False, "rows_loaded": 0})
    with connect() as conn:
        result = load_app_users(conn, source)
    return dg.MaterializeResult(
        metadata={"configured": True, "source": result.source, "rows_loaded": result.rows_loaded}
    )
