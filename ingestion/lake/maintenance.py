"""Removing one Langfuse project's calls from the lake (the demo's reset on the Spark warehouse):
each month partition holding them is rewritten without them, to a new version swapped in by the
same one-statement pointer move as a load (ingestion/lake_loader.py), so a reader never sees a
partition half rewritten."""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingestion import lake
from llmcosts_core.settings import Settings
from llmcosts_core.spark import execute


def delete_project_calls(settings: Settings, project_id: str) -> int:
    """Rewrite every partition holding `project_id`'s calls without them; rows removed."""
    removed = 0
    with lake.open_lake(settings.spark, settings) as lake_:
        lake_.ensure_tables()
        for (spec,) in execute(lake_.cursor, "show partitions raw.llm_calls"):
            month = date.fromisoformat(spec.split("=", 1)[1])
            current = lake_.current_version_dir(month)
            if current is None:
                continue
            batches = list(lake_.batches(current))
            matches = sum(pc.sum(pc.equal(b.column("project_id"), project_id)).as_py() or 0 for b in batches)
            if not matches:
                continue
            version_dir = lake_.new_version_dir(month)
            lake_.fs.create_dir(version_dir, recursive=True)
            with pq.ParquetWriter(f"{version_dir}/part-00000.parquet", lake.LLM_CALLS_SCHEMA,
                                  filesystem=lake_.fs) as out:
                for batch in batches:
                    keep = pc.invert(pc.fill_null(pc.equal(batch.column("project_id"), project_id), False))
                    out.write_batch(batch.filter(keep))
            lake_.point_partition_at(month, version_dir, exists=True)
            lake_.remove_superseded_versions(month, keep=version_dir)
            removed += matches
    return removed


__all__ = ["delete_project_calls"]
