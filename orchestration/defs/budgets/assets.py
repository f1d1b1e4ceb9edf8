"""Dagster wiring for budgets: load the declared budgets into the warehouse (upstream of the dbt
budget marts) and export the throttle list as JSON (downstream of marts/throttle_list).

Thin on purpose: validation, loading and the export live in the plain-Python `alerts.budgets`.
"""

import dagster as dg

from alerts.budgets.config import BudgetFileError
from alerts.budgets.exports import write_throttle_list
from alerts.budgets.loader import load_budgets_into_warehouse
from ingestion.schema import migrate
from llmcosts_core.warehouse import connect

# One load writes three raw tables in one transaction; each is a dbt source with its own key.
BUDGET_TABLE_KEYS = ("budgets", "budget_settings", "budget_credit_topups")


@dg.multi_asset(
    name="budgets",
    group_name="budgets",
    specs=[
        dg.AssetSpec(
            "budgets",
            kinds={"postgres", "yaml"},
            description=(
                "The budgets declared in alerts/budgets.yml (or LLMCOSTS_BUDGETS_FILE), validated and "
                "loaded into raw.budgets, replacing the previous set atomically."
            ),
        ),
        dg.AssetSpec("budget_settings", kinds={"postgres"},
                     description="raw.budget_settings: the budgets file's settings (metadata keys, default tier)."),
        dg.AssetSpec("budget_credit_topups", kinds={"postgres"},
                     description="raw.budget_credit_topups: prepaid credit top-ups declared in the budgets file."),
    ],
)
def budgets(context: dg.AssetExecutionContext):
    try:
        with connect() as conn:
            migrate(conn)
            conn.commit()
            result = load_budgets_into_warehouse(conn)
    except BudgetFileError as exc:
        # The message names file, budget and field; it holds no secret.
        raise dg.Failure(description=str(exc), metadata={"problems": dg.MetadataValue.json(exc.problems)}) from None
    for warning in result.warnings:
        context.log.warning(warning)
    yield dg.MaterializeResult(
        asset_key="budgets",
        metadata={
            "path": dg.MetadataValue.path(result.path),
            "budgets_loaded": dg.MetadataValue.int(result.budgets_loaded),
            "topups_loaded": dg.MetadataValue.int(result.topups_loaded),
            "budgets": dg.MetadataValue.json(list(result.budget_names)),
            "hierarchy_warnings": dg.MetadataValue.json(list(result.warnings)),
        },
    )
    yield dg.MaterializeResult(asset_key="budget_settings",
                               metadata={"settings_loaded": dg.MetadataValue.int(result.settings_loaded)})
    yield dg.MaterializeResult(asset_key="budget_credit_topups",
                               metadata={"topups_loaded": dg.MetadataValue.int(result.topups_loaded)})


@dg.asset(
    key="budget_throttle_list_export",
    deps=[dg.AssetKey(["marts", "throttle_list"])],
    group_name="budgets",
    kinds={"json"},
    description=(
        "marts.throttle_list as a JSON file an application or gateway can read "
        "(LLMCOSTS_THROTTLE_LIST_PATH, default $LLMCOSTS_HOME/throttle_list.json), written atomically."
    ),
)
def budget_throttle_list_export(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with connect() as conn:
        export = write_throttle_list(conn)
    context.log.info("throttle list: %d entr%s -> %s", export.entries, "y" if export.entries == 1 else "ies", export.path)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(export.path),
            "entries": dg.MetadataValue.int(export.entries),
            "as_of": dg.MetadataValue.text(export.as_of or ""),
        }
    )
