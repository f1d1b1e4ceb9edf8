"""Fixtures of the data-quality tests."""

from __future__ import annotations

import sys
from pathlib import Path

# The helpers module sits beside the tests (like tests/dbt's), importable by its bare name.
sys.path.insert(0, str(Path(__file__).resolve().parent))
