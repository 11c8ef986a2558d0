"""fund_move (per holding) and market_shock (per customer), on every backend."""

from __future__ import annotations

import pytest

from engine_rows import customer, d, evidence, fired, holding, navs, product

D = d("2026-01-02")


def test_fund_move_cost_and_trend_branches(run_rule):
    flat = {"2025-12-26": "0.900000", "2025-12-29": "0.900000", "2025-12-30": "0.900000",
            "2025-12-31": "0.900000", "2026-01-01": "0.900000", "2026-01-02": "2.000000"}  # the nav of D is unknown
    rising = {"2025-11-01": "0.500000", "2025-12-20": "1.000000", "2025-12-23": "1.010000",
              "2025-12-24": "1.020000", "2025-12-29": "1.030000", "2025-12-31": "1.050000"}
    gappy_short = {"2025-11-01": "1.000000", "2025-11-15": "1.010000", "2025-12-10": "1.020000",
                   "2025-12-11": "1.030000", "2025-12-31": "1.049999"}
    gappy_fall = {"2025-10-01": "1.000000", "2025-10-20": "0.990000", "2025-11-30": "0.980000",
                  "2025-12-05": "0.970000", "2026-01-01": "0.950000"}
    four_only = {"2025-12-01": "1.000000", "2025-12-02": "1.200000", "2025-12-03": "1.300000",
                 "2025-12-04": "1.400000"}
    rows = run_rule("fund_move", D, customers=[customer("C1"), customer("C2"), customer("C3"),
                                               customer("not_yet", opened_on="2026-01-02")],
                    products=[product("F1", name="成长混合"), product("F2"), product("F3"), product("F4"),
                              product("F5"), product("W1", "wealth", "R2")],
                    nav=navs("F1", flat) + navs("F2", rising) + navs("F3", gappy_short) + navs("F4", gappy_fall)
                    + navs("F5", four_only) + navs("W1", rising),
                    holdings=[
        holding("H_loss_exact", "C1", "F1", cost_nav="1.000000"),      # 0.90 ≤ 0.90 × 1.000000
        holding("H_loss_short", "C1", "F1", cost_nav="0.999999"),      # 0.90 > 0.8999991
        holding("H_gain_exact", "C1", "F1", cost_nav="0.782608"),      # 0.90 ≥ 1.15 × 0.782608 = 0.8999992
        holding("H_gain_short", "C1", "F1", cost_nav="0.782609"),      # 0.90 < 0.90000035
        holding("H_no_cost", "C2", "F1"),
        holding("H_trend_up", "C2", "F2"),                             # 1.05 / 1.00 − 1 = 5%
        holding("H_trend_short", "C2", "F3"),                          # 4.9999%
        holding("H_trend_down", "C3", "F4"),                           # −5% over a gappy series
        holding("H_four_navs", "C3", "F5", cost_nav="1.200000"),       # no trend; 1.4 ≥ 1.38
        holding("H_wealth", "C3", "W1"),                               # not a fund
        holding("H_bought_on_d", "C3", "F2", bought_on="2026-01-02"),
        holding("H_not_yet", "not_yet", "F2"),
    ])
    assert [(r["customer_id"], r["evidence"]["holding_id"]) for r in rows] == [
        ("C1", "H_gain_exact"), ("C1", "H_loss_exact"), ("C2", "H_trend_up"), ("C3", "H_four_navs"),
        ("C3", "H_trend_down")]
    by = {r["evidence"]["holding_id"]: r for r in rows}
    assert by["H_loss_exact"]["evidence"] == {
        "amount": "100000.00", "branches": ["cost"], "cost_nav": "1.000000", "first_nav": "0.900000",
        "first_nav_as_of": "2025-12-26", "holding_id": "H_loss_exact", "latest_nav": "0.900000",
        "latest_nav_as_of": "2026-01-01", "observations": 5, "product_id": "F1", "product_name": "成长混合",
        "vs_cost": "-0.1000"}
    assert by["H_trend_up"]["evidence"]["first_nav_as_of"] == "2025-12-20"
    assert by["H_trend_up"]["evidence"]["trend"] == "0.0500"
    assert by["H_trend_down"]["evidence"]["branches"] == ["trend"]
    assert by["H_loss_exact"]["explanation"] == "成长混合 最新净值0.900000（2026-01-01），较成本净值1.000000下跌10.00%"
    assert all(r["urgency"] == 3 and r["due_date"] == d("2026-01-04") for r in rows)


HOLDERS = dict(
    customers=[customer("risky"), customer("cautious"), customer("wealth_only"), customer("two_funds"),
               customer("bought_on_d")],
    products=[product("F3", "fund", "R3"), product("F2", "fund", "R2"), product("F5", "fund", "R5"),
              product("W4", "wealth", "R4")],
    holdings=[holding("H1", "risky", "F3"), holding("H2", "cautious", "F2"), holding("H3", "wealth_only", "W4"),
              holding("H4", "two_funds", "F3", amount="50000.00"), holding("H5", "two_funds", "F5", amount="25000.50"),
              holding("H6", "bought_on_d", "F5", bought_on="2026-01-05")],
)


def _closes(*pairs, symbol="SSE_COMPOSITE"):
    return [dict(as_of=day, symbol=symbol, close=close) for day, close in pairs]


@pytest.mark.parametrize("last, fires", [("3090.000000", True), ("3089.999999", False), ("2910.000000", True)])
def test_market_shock_on_a_3_percent_move_for_r3_fund_holders(run_rule, last, fires):
    D = d("2026-01-05")  # the last two closes ≤ D−1 are 31 Dec and 2 Jan; the close of D is not known yet
    market = _closes(("2025-12-30", "1000.000000"), ("2025-12-31", "3000.000000"), ("2026-01-02", last),
                     ("2026-01-05", "1000.000000")) + _closes(("2026-01-02", "9999.000000"), symbol="GOLD_AU9999")
    rows = run_rule("market_shock", D, market=market, **HOLDERS)
    if not fires:
        assert rows == []
        return
    assert fired(rows) == {"risky": d("2026-01-06"), "two_funds": d("2026-01-06")}
    ev = evidence(rows, "two_funds")
    assert ev["holdings"] == 2 and ev["amount"] == "75000.50"
    assert ev["close_on"] == "2026-01-02" and ev["previous_close_on"] == "2025-12-31"
    assert ev["change"] == ("0.0300" if last == "3090.000000" else "-0.0300")


@pytest.mark.parametrize("market", [
    [],                                                              # no series at all
    _closes(("2026-01-02", "3000.000000"), symbol="GOLD_AU9999"),    # another series only
    _closes(("2026-01-02", "3000.000000")),                          # a single close
], ids=["empty", "other_symbol", "single_close"])
def test_market_shock_fires_nothing_without_two_closes(run_rule, market, backend):
    if backend.name == "spark" and market:
        pytest.skip("one backend is enough for the trivial cases")
    assert run_rule("market_shock", d("2026-01-05"), market=market, **HOLDERS) == []
