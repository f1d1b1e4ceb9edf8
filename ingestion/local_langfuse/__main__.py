"""Serve the synthetic workload over the Langfuse API until Ctrl-C.

    python -m ingestion.local_langfuse --port 0 --days 60 --calls-per-day 1500 \
        --public-key pk-lf-demo --secret-key sk-lf-demo
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import UTC, datetime

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import DEFAULT_PROJECT_ID, generate_observations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingestion.local_langfuse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--calls-per-day", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", help="ISO-8601 end of the workload (default: now, UTC)")
    parser.add_argument("--project-id", default=DEFAULT_PROJECT_ID)
    parser.add_argument("--public-key", default="pk-lf-demo")
    parser.add_argument("--secret-key", default="sk-lf-demo")
    args = parser.parse_args(argv)

    end = datetime.fromisoformat(args.end) if args.end else datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    started = time.perf_counter()
    observations = generate_observations(end, days=args.days, calls_per_day=args.calls_per_day,
                                         seed=args.seed, project_id=args.project_id)
    server = LocalLangfuseServer(observations, public_key=args.public_key, secret_key=args.secret_key,
                                 project_id=args.project_id, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        print(f"Serving {len(observations):,} observations (generated in "
              f"{time.perf_counter() - started:.1f}s) at {server.base_url}", flush=True)
        print(server.base_url, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
