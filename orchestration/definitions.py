"""The one Dagster entry point: `dagster dev -m orchestration.definitions`.

Each domain keeps its wiring in `orchestration/defs/<domain>/` and exposes a `defs` object; they are
merged here, with the resources every domain shares and the project-wide policies.
"""

import dagster as dg

from orchestration.defs.langfuse import defs as langfuse_defs
from orchestration.lib.settings_resource import SettingsResource

DOMAIN_DEFS = [langfuse_defs]

defs = dg.Definitions.merge(
    *DOMAIN_DEFS,
    dg.Definitions(resources={"llmcosts": SettingsResource()}),
)
