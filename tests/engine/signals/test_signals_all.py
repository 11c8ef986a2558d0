"""The whole library at once: every rule fires on a small realistic bank, both backends give
byte-identical rows, and each row's evidence and explanation carry the numbers."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from engine_rows import contact, customer, d, holding, navs, product, snapshot, txn
from yuanwei.engine.rules import load_rules
from yuanwei.engine.signals import RULES, compute_signals
from yuanwei.results import RESULT_TABLES

D = d("2026-01-02")
Y = "2026-01-01"


def _bank() -> dict:
    return dict(
        customers=[
            customer("100001", name="张伟", birth_date="1966-01-03", risk_assessed_on="2024-06-30", risk_level="C4"),
            customer("100002", name="李娜", birth_date="1985-07-20", risk_assessed_on="2025-01-10", risk_level="C3",
                     opened_on="2025-12-28"),
            customer("100003", name="王强", birth_date="1958-02-28", occupation="退休工程师"),
            customer("100004", name="刘洋", birth_date="1990-11-11", opened_on="2026-01-02"),  # not yet a customer
        ],
        relatives=[dict(customer_id="100003", relation="child", name="王小丽", birth_date="1992-01-02")],
        products=[product("F001", "fund", "R4", name="科技先锋混合"), product("W001", "wealth", "R2", name="稳盈180天")],
        holdings=[
            holding("H01", "100001", "F001", amount="300000.00", cost_nav="1.250000"),
            holding("H02", "100001", "W001", amount="200000.00", matures_on="2026-01-06"),
        ],
        nav=navs("F001", {"2025-12-25": "1.100000", "2025-12-26": "1.080000", "2025-12-29": "1.070000",
                          "2025-12-30": "1.060000", "2025-12-31": "1.050000"}),
        market=[dict(as_of="2025-12-30", symbol="SSE_COMPOSITE", close="3300.000000"),
                dict(as_of="2025-12-31", symbol="SSE_COMPOSITE", close="3190.500000")],
        transactions=[
            txn("100002", "2026-01-01T21:15:00", "520000.00"), txn("100002", "2025-12-29", "90000.00"),
            txn("100003", "2026-01-01T09:00:00", "-260000.00"),
            *[txn("100003", day, "8000.00", kind="payroll") for day in ("2025-09-10", "2025-10-10", "2025-11-10")],
            txn("100004", Y, "900000.00"),
        ],
        balances=[
            snapshot("100001", "2025-12-05", "2000000.00", current="900000.00"),
            snapshot("100001", Y, "1300000.00", current="900000.00"),
            snapshot("100002", "2025-12-31", "30000.00"), snapshot("100002", Y, "620000.00", current="600000.00"),
            snapshot("100003", "2025-12-31", "800000.00", current="700000.00"),
            snapshot("100003", Y, "540000.00", current="440000.00"),
        ],
        contacts=[contact("100003", "2025-12-01T10:00:00")],
    )


EXPECTED = {
    ("100001", "aum_drop"), ("100001", "birthday"), ("100001", "fund_move"), ("100001", "idle_cash"),
    ("100001", "market_shock"), ("100001", "maturity"), ("100001", "no_recent_contact"),
    ("100001", "risk_assessment_expiring"),
    ("100002", "idle_cash"), ("100002", "large_inflow"), ("100002", "new_customer"),
    ("100002", "no_recent_contact"), ("100002", "risk_assessment_expiring"), ("100002", "tier_up"),
    ("100003", "aum_drop"), ("100003", "large_outflow"), ("100003", "payroll_stopped"),
    ("100003", "relative_birthday"), ("100003", "idle_cash"),
}


_COMPUTED: dict = {}  # backend name → signals: each backend computes the bank once per session


def _signals_on(backend):
    if backend.name not in _COMPUTED:
        _COMPUTED[backend.name] = compute_signals(backend.tables(**_bank()), D, load_rules(None))
    return _COMPUTED[backend.name]


@pytest.fixture(scope="module")
def signals(module_backend):
    out = _signals_on(module_backend)
    assert out.schema == RESULT_TABLES["signals"]
    return out


def test_every_rule_fires_on_a_small_bank(signals):
    rows = signals.to_pylist()
    assert {(r["customer_id"], r["rule"]) for r in rows} == EXPECTED
    assert {r["rule"] for r in rows} == set(RULES)
    keys = [(r["customer_id"], r["rule"], r["due_date"], r["evidence"]) for r in rows]
    assert keys == sorted(keys)


# the evidence values each rule's explanation must show, as written there
SHOWN = {
    "large_inflow": ["credits"], "large_outflow": ["debits", "prev_aum"], "idle_cash": ["current"],
    "maturity": ["amount", "matures_on"], "aum_drop": ["aum", "peak_aum", "as_of"],
    "new_customer": ["aum", "opened_on"],
    "market_shock": ["amount", "close_on"], "payroll_stopped": ["payroll_amount", "last_payroll_on"],
    "no_recent_contact": ["aum_avg30"], "tier_up": ["aum_avg30", "previous_aum_avg30", "tier", "previous_tier"],
    "fund_move": ["latest_nav", "cost_nav", "latest_nav_as_of"], "risk_assessment_expiring": ["expires_on",
                                                                                           "risk_assessed_on"],
    "birthday": ["age"], "relative_birthday": ["age", "relative_name"],
}


def _shown(value) -> str:
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d{2}", value):
        return f"¥{Decimal(value):,.2f}"
    return str(value)


def test_evidence_is_canonical_json_and_the_explanation_has_its_numbers(signals):
    for r in signals.to_pylist():
        ev = json.loads(r["evidence"])
        assert r["evidence"] == json.dumps(ev, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert "\n" not in r["explanation"]
        for key in SHOWN[r["rule"]]:
            assert _shown(ev[key]) in r["explanation"], (r["rule"], key, r["explanation"])
    by = {(r["customer_id"], r["rule"]): r for r in signals.to_pylist()}
    inflow = by[("100002", "large_inflow")]
    assert json.loads(inflow["evidence"])["credits"] == "520000.00"
    assert inflow["explanation"] == "昨日入账 ¥520,000.00，为近90日日均入账的520倍"
    shock = by[("100001", "market_shock")]
    assert shock["explanation"] == ("上证指数2025-12-31收于3190.50，较前一交易日下跌3.32%；"
                                    "客户持有1只R3及以上基金共 ¥300,000.00")
    assert json.loads(by[("100003", "large_outflow")]["evidence"])["debits"] == "260000.00"


@pytest.mark.spark
def test_both_backends_give_byte_identical_signals(duckdb_backend, spark_backend):
    duck, spark = _signals_on(duckdb_backend), _signals_on(spark_backend)
    assert duck.num_rows == len(EXPECTED)
    assert duck.to_pylist() == spark.to_pylist()
    assert duck.equals(spark)
