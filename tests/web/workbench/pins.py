"""Pinned page query counts (NetBox style): a page issuing more queries than pinned fails.
Raise a pin only for a reason you can name in the commit message."""

from __future__ import annotations

import json
from pathlib import Path

PINS = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))
