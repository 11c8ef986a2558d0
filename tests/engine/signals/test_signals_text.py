"""The signals' texts made a column at a time (``signals.text``) equal, byte for byte, those made one
row at a time with ``Decimal``, f-strings and ``json.dumps`` (``row_texts.py``, the reference), for
every rule — on thousands of random rows and on the boundaries of rounding: exact halves of a fen,
of 10⁻⁴ and of a percent's hundredth, values just below, negatives rounding to zero ("-0.0000"),
thousands separators at every group, empty and NULL names, JSON escapes, 29 Feb birthdays.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from row_texts import DESCRIBE, canonical_json

from yuanwei.engine.rules import load_rules
from yuanwei.engine.signals import RULES, text as T
from yuanwei.engine.signals.base import Context

MONEY, SUM, NAV = pa.decimal128(18, 2), pa.decimal128(38, 2), pa.decimal128(18, 6)
RNG = random.Random(20261206)
N = 3_000


@pytest.fixture(scope="module")
def cfg():
    return load_rules(None)


def _fen(lo: int = 0, hi: int = 10 ** 12) -> Decimal:
    """A money value: log-uniform in fen between lo and hi, often a round figure."""
    k = RNG.random()
    if k < 0.15:
        return Decimal(RNG.choice([0, 1, 5, 50, 99, 100, 999, 1000, 99999, 100000, 999999, 1000000, 99999999,
                                   100000000, 123456789012]) if lo <= 0 else lo) / 100
    span = max(hi - lo, 1)
    return Decimal(lo + int(span ** RNG.random())) / 100


def _nav() -> Decimal:
    return Decimal(RNG.randint(1, 9_999_999)) / 10 ** 6


def _date(lo=dt.date(1930, 1, 1), hi=dt.date(2030, 12, 31)) -> dt.date:
    return lo + dt.timedelta(days=RNG.randint(0, (hi - lo).days))


def _halves(den_fen: list[int], places: int) -> list[tuple[Decimal, Decimal]]:
    """(numerator, denominator) money pairs whose ratio is exactly half a unit of 10⁻places, and
    the pairs one fen below and above it."""
    out = []
    for d in den_fen:
        for k in (0, 1, 7, 12345):
            twice = (2 * k + 1) * d
            if twice % (2 * 10 ** places) == 0:
                n = twice // (2 * 10 ** places)
                for m in (n - 1, n, n + 1):
                    if m >= 0:
                        out.append((Decimal(m) / 100, Decimal(d) / 100))
    return out


HALF_DENOMINATORS = [20000, 40000, 200000, 2000000, 1600000, 25000000, 10 ** 10]


def _check(cfg, rule: str, rows: list[dict], schema: dict[str, pa.DataType], day: dt.date):
    table = pa.table({name: pa.array([r.get(name) for r in rows], typ) for name, typ in schema.items()})
    ctx = Context({}, day, cfg)
    params = cfg.rule(rule)
    evidence, explanation = RULES[rule].describe(table, params, ctx)
    want = [DESCRIBE[rule](row, params, ctx) for row in table.to_pylist()]

    none = RULES[rule].describe(table.slice(0, 0), params, ctx)   # a day when the rule fires for nobody
    assert [len(a) for a in none] == [0, 0]
    got_e, got_x = evidence.to_pylist(), explanation.to_pylist()
    assert len(got_e) == len(got_x) == len(rows)
    for i, (e, x) in enumerate(want):
        assert (got_e[i], got_x[i]) == (canonical_json(e), x), table.slice(i, 1).to_pylist()


D = dt.date(2026, 11, 28)


def test_large_inflow(cfg):
    rows = [{"customer_id": "c", "credit_y": _fen(1), "credit_baseline": _fen()} for _ in range(N)]
    days = cfg.rule("large_inflow")["baseline_days"]
    # multiples at x.x5 and x.5 exactly (times: one decimal below 10, none from 10)
    for base in (Decimal(days), Decimal(days) * 100, Decimal("9000.00")):
        for mult in ("9.95", "9.94", "9.96", "10.5", "10.49", "5", "5.05", "0.05", "99.995"):
            rows.append({"customer_id": "c", "credit_y": base * Decimal(mult) / days, "credit_baseline": base})
    rows += [{"customer_id": "c", "credit_y": Decimal("50000.00"), "credit_baseline": Decimal(0)},
             {"customer_id": "c", "credit_y": Decimal("0.01"), "credit_baseline": Decimal("0.01")},
             {"customer_id": "c", "credit_y": Decimal("1234567890.12"), "credit_baseline": Decimal("0.45")}]
    rows = [r for r in rows if r["credit_y"] == r["credit_y"].quantize(Decimal("0.01"))]
    _check(cfg, "large_inflow", rows, {"customer_id": pa.string(), "credit_y": SUM, "credit_baseline": SUM}, D)


def test_large_outflow(cfg):
    rows = [{"customer_id": "c", "debit_y": _fen(1), "prev_as_of": _date(), "prev_aum": RNG.choice(
        [None, -_fen(1), Decimal(0), _fen(1)])} for _ in range(N)]
    rows += [{"customer_id": "c", "debit_y": o, "prev_as_of": D, "prev_aum": a}
             for o, a in _halves(HALF_DENOMINATORS, 4) + _halves(HALF_DENOMINATORS, 6)]
    _check(cfg, "large_outflow", rows, {"customer_id": pa.string(), "debit_y": SUM, "prev_as_of": pa.date32(),
                                        "prev_aum": MONEY}, D)


def test_idle_cash(cfg):
    rows = [{"customer_id": "c", "as_of": _date(), "current": _fen(), "aum": RNG.choice([Decimal(0), _fen(1)])}
            for _ in range(N)]
    rows += [{"customer_id": "c", "as_of": D, "current": c, "aum": a} for c, a in _halves(HALF_DENOMINATORS, 4)]
    _check(cfg, "idle_cash", rows, {"customer_id": pa.string(), "as_of": pa.date32(), "current": MONEY,
                                    "aum": MONEY}, D)


def test_payroll_stopped(cfg):
    rows = [{"customer_id": "c", "payroll_history": RNG.randint(1, 40), "payroll_history_sum": _fen(),
             "last_payroll_on": _date()} for _ in range(N)]
    _check(cfg, "payroll_stopped", rows, {"customer_id": pa.string(), "payroll_history": pa.int64(),
                                          "payroll_history_sum": SUM, "last_payroll_on": pa.date32()}, D)


def _windows(n: int) -> list[dict]:
    rows = []
    for _ in range(n):
        k = RNG.randint(1, 31)
        rows.append({"aum_sum": _fen() * k, "snapshots": k, "sum_before": _fen() * k, "n_before": k})
    # averages on the half fen: sum / n = x.xx5
    for k in (2, 8, 30):
        for total in ("10.01", "10.03", "999999.99", "0.01"):
            rows.append({"aum_sum": Decimal(total) * k / 2 if (Decimal(total) * k / 2) % Decimal("0.01") == 0
                         else Decimal(total), "snapshots": k, "sum_before": Decimal("0.05"), "n_before": 10})
    return rows


def test_tier_up(cfg):
    rows = [{"customer_id": "c", **w, "tier_now": RNG.randint(1, len(cfg.tiers) - 1), "tier_before": 0}
            for w in _windows(N)]
    _check(cfg, "tier_up", rows, {"customer_id": pa.string(), "aum_sum": SUM, "snapshots": pa.int64(),
                                  "sum_before": SUM, "n_before": pa.int64(), "tier_now": pa.int64(),
                                  "tier_before": pa.int64()}, D)


def test_no_recent_contact(cfg):
    rows = [{"customer_id": "c", **w, "tier": RNG.randint(0, len(cfg.tiers) - 1),
             "last_contact_on": RNG.choice([None, _date()])} for w in _windows(N)]
    _check(cfg, "no_recent_contact", rows, {"customer_id": pa.string(), "aum_sum": SUM, "snapshots": pa.int64(),
                                            "tier": pa.int64(), "last_contact_on": pa.date32()}, D)


def test_aum_drop(cfg):
    rows = []
    for _ in range(N):
        peak = _fen(100)
        rows.append({"customer_id": "c", "t": _date(), "latest_aum": RNG.choice([-_fen(1), Decimal(0), _fen(0, int(peak * 100))]),
                     "peak": peak})
    rows += [{"customer_id": "c", "t": D, "latest_aum": p - a, "peak": p} for a, p in _halves(HALF_DENOMINATORS, 4)]
    _check(cfg, "aum_drop", rows, {"customer_id": pa.string(), "t": pa.date32(), "latest_aum": MONEY,
                                   "peak": MONEY}, D)


def test_new_customer(cfg):
    edges = [t.min_amount for t in cfg.tiers] + [t.min_amount - Decimal("0.01") for t in cfg.tiers[1:]]
    rows = [{"customer_id": "c", "opened_on": _date(), "as_of": _date(), "aum": RNG.choice([*edges, _fen()])}
            for _ in range(N)]
    _check(cfg, "new_customer", rows, {"customer_id": pa.string(), "opened_on": pa.date32(), "as_of": pa.date32(),
                                       "aum": MONEY}, D)


@pytest.mark.parametrize("day", [D, dt.date(2027, 2, 27), dt.date(2028, 2, 27), dt.date(2026, 12, 31)])
def test_birthdays(cfg, day):
    rows = []
    for _ in range(N // 4):
        due = day + dt.timedelta(days=RNG.randint(0, 3))
        year = due.year - RNG.randint(0, 90)
        if RNG.random() < 0.1 or (due.month, due.day) == (2, 29):
            year = 2000 - 4 * RNG.randint(0, 15)   # a leap year
        birth = dt.date(2000, 2, 29) if RNG.random() < 0.1 else dt.date(year, due.month, due.day)
        rows.append({"customer_id": "c", "due_date": due, "birth_date": birth,
                     "relation": RNG.choice(["spouse", "child", "parent", "other", "cousin"]),
                     "relative_name": RNG.choice(["王小明", 'Anna "A" \\ B', "李\t四", "x\u2028y"])})
    # 29 Feb birthdays celebrated on 28 Feb of a non-leap year, and on 29 Feb of a leap year
    rows += [{"customer_id": "c", "due_date": dt.date(2027, 2, 28), "birth_date": dt.date(1960, 2, 29),
              "relation": "child", "relative_name": "z"},
             {"customer_id": "c", "due_date": dt.date(2028, 2, 29), "birth_date": dt.date(1960, 2, 29),
              "relation": "child", "relative_name": "z"},
             {"customer_id": "c", "due_date": dt.date(2027, 3, 1), "birth_date": dt.date(1960, 3, 1),
              "relation": "child", "relative_name": "z"}]
    _check(cfg, "birthday", rows, {"customer_id": pa.string(), "due_date": pa.date32(), "birth_date": pa.date32()},
           day)
    _check(cfg, "relative_birthday", rows, {"customer_id": pa.string(), "due_date": pa.date32(),
                                            "relation": pa.string(), "relative_name": pa.string(),
                                            "birth_date": pa.date32()}, day)


def test_maturity(cfg):
    rows = [{"customer_id": "c", "holding_id": f"H{i}", "product_id": f"P{i % 7}",
             "product_name": RNG.choice([None, "", "稳利30天", 'Q"uote']), "category": "wealth", "amount": _fen(),
             "due_date": D + dt.timedelta(days=RNG.randint(0, 40))} for i in range(N)]
    _check(cfg, "maturity", rows, {"customer_id": pa.string(), "holding_id": pa.string(), "product_id": pa.string(),
                                   "product_name": pa.string(), "category": pa.string(), "amount": MONEY,
                                   "due_date": pa.date32()}, D)


def test_risk_assessment_expiring(cfg):
    valid = cfg.rule("risk_assessment_expiring")["valid_days"]
    rows = []
    for _ in range(N):
        expired = RNG.random() < 0.5
        assessed = D - dt.timedelta(days=valid + RNG.randint(1, 900) if expired else valid - RNG.randint(0, 30))
        rows.append({"customer_id": "c", "risk_assessed_on": assessed, "risk_level": RNG.choice([None, "C1", "C5"]),
                     "holdings": RNG.randint(1, 9) if expired else None, "status": "expired" if expired else "expiring"})
    _check(cfg, "risk_assessment_expiring", rows, {"customer_id": pa.string(), "risk_assessed_on": pa.date32(),
                                                   "risk_level": pa.string(), "holdings": pa.int64(),
                                                   "status": pa.string()}, D)


def test_fund_move(cfg):
    rows = []
    for i in range(N):
        latest, cost, first = _nav(), RNG.choice([None, _nav()]), RNG.choice([None, _nav()])
        cost_hit = cost is not None and RNG.random() < 0.6
        trend_hit = first is not None and (not cost_hit or RNG.random() < 0.5)
        if not (cost_hit or trend_hit):
            cost, cost_hit = _nav(), True
        rows.append({"customer_id": "c", "holding_id": f"H{i}", "product_id": "P1",
                     "product_name": RNG.choice([None, "", "成长混合A"]), "amount": _fen(), "cost_nav": cost,
                     "latest_nav": latest, "latest_as_of": _date(), "first_nav": first, "first_as_of": _date(),
                     "cost_hit": cost_hit, "trend_hit": trend_hit})
    # moves of exactly ±x.xx5% and a loss that rounds to -0.0000
    for latest, base in (("1.000050", "1.000000"), ("0.999950", "1.000000"), ("1.000049", "1.000000"),
                         ("0.999999", "1.000000"), ("1.050000", "1.000000"), ("0.950000", "1.000000")):
        rows.append({"customer_id": "c", "holding_id": "H", "product_id": "P", "product_name": "n",
                     "amount": Decimal("1.00"), "cost_nav": Decimal(base), "latest_nav": Decimal(latest),
                     "latest_as_of": D, "first_nav": Decimal(base), "first_as_of": D, "cost_hit": True,
                     "trend_hit": True})
    _check(cfg, "fund_move", rows, {
        "customer_id": pa.string(), "holding_id": pa.string(), "product_id": pa.string(),
        "product_name": pa.string(), "amount": MONEY, "cost_nav": NAV, "latest_nav": NAV,
        "latest_as_of": pa.date32(), "first_nav": NAV, "first_as_of": pa.date32(), "cost_hit": pa.bool_(),
        "trend_hit": pa.bool_()}, D)


@pytest.mark.parametrize("last, prev", [("3021.455", "3130.12"), ("3021.465", "2900"), ("10.125", "10.5")])
def test_market_shock(cfg, last, prev):
    rows = [{"customer_id": "c", "holdings": RNG.randint(1, 20), "amount": _fen() * RNG.randint(1, 20),
             "last_close": last, "last_on": D - dt.timedelta(days=1), "prev_close": prev,
             "prev_on": D - dt.timedelta(days=4)} for _ in range(200)]
    _check(cfg, "market_shock", rows, {"customer_id": pa.string(), "holdings": pa.int64(), "amount": SUM,
                                       "last_close": pa.string(), "last_on": pa.date32(), "prev_close": pa.string(),
                                       "prev_on": pa.date32()}, D)


def test_every_rule_is_checked_here():
    assert set(DESCRIBE) == set(RULES)


@pytest.mark.parametrize("value, places", [
    ("-0.00004", 4), ("-0.00005", 4), ("0.00005", 4), ("-12345678.125", 2), ("999.995", 2), ("0", 2),
    ("123456789012345678901234567.5", 0), ("-1000000", 2), ("0.5", 0), ("-0.5", 0),
])
def test_fixed_and_grouped_round_half_away_from_zero_as_decimal_does(value, places):
    from decimal import ROUND_HALF_UP

    v = Decimal(value)
    q = v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    num = T.Num.const(v, 1)
    assert T.fixed(num, places).to_pylist() == [str(q)]
    assert T.grouped(num, places).to_pylist() == [f"{q:,.{places}f}"]


@pytest.mark.parametrize("offset", [0, 1, 3])
def test_decimal_columns_beyond_int64_and_sliced_keep_every_digit(offset):
    values = [Decimal("1.23"), None, Decimal("-0.05"), Decimal("99999999999999999999999999999999.99"),
              Decimal("-92233720368547758.08"), Decimal("92233720368547758.07"), Decimal("0.00")]
    column = pa.array(values, pa.decimal128(38, 2)).slice(offset)
    want = values[offset:]
    assert T.money(T.Num.of(column)).to_pylist() == [None if v is None else str(v) for v in want]
    assert T.yuan(T.Num.of(column)).to_pylist() == [None if v is None else f"¥{v:,.2f}" for v in want]
    small = pa.array([v for v in values if v is None or abs(v) < 10 ** 15], pa.decimal128(18, 2)).slice(offset)
    assert T.Num.of(small).units.dtype == np.int64   # the usual case stays in numpy integers
