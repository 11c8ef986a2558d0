"""``run_rule``: run one rule on the parametrized backend and read its rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from yuanwei.engine.rules import load_rules
from yuanwei.engine.signals import compute_signals


@pytest.fixture(scope="session")
def cfg():
    return load_rules(None)


@pytest.fixture
def run_rule(backend, cfg):
    """``run_rule("birthday", D, customers=[...], ...)`` → the rule's rows, evidence parsed."""

    def run(rule: str, day: dt.date, config=None, **rows) -> list[dict]:
        out = compute_signals(backend.tables(**rows), day, config or cfg, rules=[rule])
        assert out.schema.names == ["date", "customer_id", "rule", "urgency", "due_date", "evidence",
                                    "explanation"]
        result = out.to_pylist()
        keys = [(r["customer_id"], r["rule"], r["due_date"]) for r in result]
        assert keys == sorted(keys)
        for r in result:
            assert r["date"] == day and r["rule"] == rule
            r["evidence_json"] = r["evidence"]
            r["evidence"] = json.loads(r["evidence"])
        return result

    return run
