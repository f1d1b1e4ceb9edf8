"""Serve exactly N synthetic observations over the Langfuse API in its own process (so the
server does not share the ingesting process's GIL or memory). Prints the base URL, then serves
until its stdin closes."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import observations_for_count
from ingestion.mapping import FIELD_GROUPS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    observations = list(observations_for_count(args.observations, datetime.fromisoformat(args.end), days=args.days,
                                               project_id="bench"))
    with LocalLangfuseServer(observations, public_key="pk-bench", secret_key="sk-bench", project_id="bench") as server:
        # Serialise once before timing: the first-pass JSON encoding is the test server's cost, not
        # the ingestion's (a real Langfuse has its own).
        server.prewarm(FIELD_GROUPS)
        print(server.base_url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin


if __name__ == "__main__":
    main()
