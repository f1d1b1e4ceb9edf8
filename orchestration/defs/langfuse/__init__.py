import dagster as dg

from orchestration.defs.langfuse.assets import llm_calls
from orchestration.defs.langfuse.schedules import hourly_llm_calls, ingest_job

defs = dg.Definitions(assets=[llm_calls], jobs=[ingest_job], schedules=[hourly_llm_calls])
