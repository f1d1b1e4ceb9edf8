"""The `provider_bills` asset: provider usage/cost exports from LLMCOSTS_BILLS_DIR into
raw.provider_bills (once per file content; unreadable lines into raw.provider_bill_rejects).
Thin: the work is `ingestion.quality.bills.load_bills`."""

import dagster as dg

from ingestion.quality.bills import load_bills
from ingestion.quality.config import get_quality_settings
from ingestion.schema import migrate
from llmcosts_core.warehouse import connect
from orchestration.lib.settings_resource import SettingsResource


@dg.asset(
    key="provider_bills",
    group_name="billing",
    kinds={"postgres", "python"},
    description="Provider bills (OpenAI Costs API JSON, Anthropic cost report JSON, generic CSV) dropped "
    "into LLMCOSTS_BILLS_DIR, loaded once per file content into raw.provider_bills; malformed lines go "
    "to raw.provider_bill_rejects.",
)
def provider_bills(context: dg.AssetExecutionContext, llmcosts: SettingsResource) -> dg.MaterializeResult:
    bills_dir = get_quality_settings().bills_dir
    with connect(llmcosts.settings()) as conn:
        migrate(conn)
        result = load_bills(conn, bills_dir)
    if not result.files:
        context.log.info(f"no bill files in {bills_dir}")
    if result.lines_rejected:
        context.log.warning(f"{result.lines_rejected} bill line(s) rejected, see raw.provider_bill_rejects")
    return dg.MaterializeResult(
        metadata={
            "bills_dir": dg.MetadataValue.path(result.bills_dir),
            "files_loaded": dg.MetadataValue.int(result.files_loaded),
            "files_already_loaded": dg.MetadataValue.int(result.files_already_loaded),
            "lines_loaded": dg.MetadataValue.int(result.lines_loaded),
            "lines_rejected": dg.MetadataValue.int(result.lines_rejected),
            "files": dg.MetadataValue.json([
                {"file": f.file_name, "format": f.format, "status": f.status,
                 "lines_loaded": f.lines_loaded, "lines_rejected": f.lines_rejected}
                for f in result.files
            ]),
        }
    )
