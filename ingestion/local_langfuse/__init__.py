"""A Langfuse-compatible HTTP server and the seeded synthetic workload it serves (demo, tests, benchmarks)."""
