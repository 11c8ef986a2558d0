"""large_inflow, large_outflow, idle_cash, payroll_stopped: to the fen and to the day, on every backend.

D = 2 Jan 2026 throughout, so D−1 is New Year's Day and every window crosses the year end."""

from __future__ import annotations

from engine_rows import customer, d, evidence, fired, snapshot, txn

D = d("2026-01-02")
Y = "2026-01-01"


def test_large_inflow_absolute_and_relative_branches(run_rule):
    ids = ["abs_exact", "rel_below", "rel_exact", "rel_one_fen_short", "small", "midnight_in", "midnight_out",
           "interest", "base_outside", "base_first_day", "base_last_day", "summed", "quiet", "not_yet"]
    rows = run_rule("large_inflow", D, customers=[customer(i) for i in ids if i != "not_yet"]
                    + [customer("not_yet", opened_on="2026-01-02")], transactions=[
        txn("abs_exact", Y, "50000.00"),
        # M = 900,000 / 90 = 10,000: 5 × M = 50,000 > 49,999.99
        txn("rel_below", Y, "49999.99"), txn("rel_below", "2025-11-15", "900000.00"),
        # M = 180,000 / 90 = 2,000: 5 × M = 10,000.00 ≤ C
        txn("rel_exact", Y, "10000.00"), txn("rel_exact", "2025-11-15", "180000.00"),
        # M = 180,000.18 / 90 = 2,000.002: 5 × M = 10,000.01 > C
        txn("rel_one_fen_short", Y, "10000.00"), txn("rel_one_fen_short", "2025-11-15", "180000.18"),
        txn("small", Y, "9999.99"),
        txn("midnight_in", "2026-01-01T23:59:59", "60000.00"),
        txn("midnight_out", "2026-01-02T00:00:00", "60000.00"), txn("midnight_out", "2025-12-31T23:59:59", "60000.00"),
        txn("interest", Y, "60000.00", kind="interest"),
        # baseline window D−91…D−2 = 3 Oct … 31 Dec
        txn("base_outside", Y, "10000.00"), txn("base_outside", "2025-10-02", "900000.00"),
        txn("base_first_day", Y, "10000.00"), txn("base_first_day", "2025-10-03", "900000.00"),
        txn("base_last_day", Y, "10000.00"), txn("base_last_day", "2025-12-31T23:59:59", "900000.00"),
        txn("summed", "2026-01-01T08:00:00", "30000.00"), txn("summed", "2026-01-01T20:00:00", "20000.00"),
        txn("summed", Y, "-45000.00"),
        txn("not_yet", Y, "60000.00"),
    ])
    assert set(fired(rows)) == {"abs_exact", "rel_exact", "midnight_in", "base_outside", "summed"}
    assert all(r["due_date"] == d("2026-01-04") and r["urgency"] == 4 for r in rows)
    assert evidence(rows, "rel_exact") == {
        "baseline_credits": "180000.00", "baseline_daily_avg": "2000.00", "baseline_days": 90,
        "booked_on": "2026-01-01", "credits": "10000.00", "multiple": "5.00"}
    assert evidence(rows, "summed")["credits"] == "50000.00"
    by = {r["customer_id"]: r for r in rows}
    assert by["rel_exact"]["explanation"] == "昨日入账 ¥10,000.00，为近90日日均入账的5倍"
    assert by["abs_exact"]["explanation"] == "昨日入账 ¥50,000.00，近90日无其他入账"


def test_large_outflow_absolute_and_share_of_the_previous_snapshot(run_rule):
    ids = ["abs_exact", "abs_below", "share_exact", "share_below", "prev_is_older", "aum_zero", "after_d1",
           "before_d1", "no_snapshot_share"]
    rows = run_rule("large_outflow", D, customers=[customer(i) for i in ids], transactions=[
        txn("abs_exact", Y, "-30000.00"), txn("abs_exact", "2026-01-01T23:59:59", "-20000.00"),
        txn("abs_below", Y, "-49999.99"),
        txn("share_exact", Y, "-30000.00"), txn("share_below", Y, "-29999.99"),
        txn("prev_is_older", Y, "-30000.00"),
        txn("aum_zero", Y, "-1000.00"),
        txn("after_d1", "2026-01-02T00:00:00", "-60000.00"),
        txn("before_d1", "2025-12-31T23:59:59", "-60000.00"),
        txn("no_snapshot_share", Y, "-40000.00"),
    ], balances=[
        snapshot("abs_below", "2025-12-31", "1000000.00"),
        snapshot("share_exact", "2025-12-31", "100000.00"),
        snapshot("share_below", "2025-12-31", "100000.00"),
        # the snapshot of D−1 itself is not "before" the outflow; the one of 30 Dec is
        snapshot("prev_is_older", "2026-01-01", "1000000.00"), snapshot("prev_is_older", "2025-12-30", "100000.00"),
        snapshot("aum_zero", "2025-12-31", "0.00"),
    ])
    assert set(fired(rows)) == {"abs_exact", "share_exact", "prev_is_older"}
    assert evidence(rows, "share_exact") == {"booked_on": "2026-01-01", "debits": "30000.00", "prev_aum": "100000.00",
                                             "prev_as_of": "2025-12-31", "share_of_aum": "0.3000"}
    assert evidence(rows, "prev_is_older")["prev_as_of"] == "2025-12-30"
    assert evidence(rows, "abs_exact")["prev_aum"] is None
    by = {r["customer_id"]: r for r in rows}
    assert by["share_exact"]["explanation"] == "昨日转出 ¥30,000.00，占前日资产 ¥100,000.00 的30.00%"


def test_idle_cash_on_the_latest_snapshot_without_recent_investment(run_rule):
    ids = ["exact", "cash_below", "share_below", "invested_d30", "invested_d31", "redeemed", "old_idle_newer_not",
           "after_d1", "only_old"]
    rows = run_rule("idle_cash", D, customers=[customer(i) for i in ids], balances=[
        snapshot("exact", Y, "100000.00", current="50000.00"),
        snapshot("cash_below", Y, "60000.00", current="49999.99"),
        snapshot("share_below", Y, "100000.02", current="50000.00"),
        snapshot("invested_d30", Y, "100000.00", current="80000.00"),
        snapshot("invested_d31", Y, "100000.00", current="80000.00"),
        snapshot("redeemed", Y, "100000.00", current="80000.00"),
        snapshot("old_idle_newer_not", "2025-12-01", "100000.00", current="90000.00"),
        snapshot("old_idle_newer_not", "2025-12-31", "100000.00", current="10000.00"),
        snapshot("after_d1", "2026-01-02", "100000.00", current="90000.00"),
        snapshot("after_d1", "2025-12-31", "100000.00", current="10000.00"),
        snapshot("only_old", "2025-06-30", "80000.00", current="80000.00"),
    ], transactions=[
        txn("invested_d30", "2025-12-03T09:30:00", "-10000.00", kind="investment"),  # D−30: inside
        txn("invested_d31", "2025-12-02T23:59:59", "-10000.00", kind="investment"),  # D−31: outside
        txn("redeemed", "2025-12-20", "10000.00", kind="investment"),  # a redemption is not a purchase
    ])
    assert set(fired(rows)) == {"exact", "invested_d31", "redeemed", "only_old"}
    assert evidence(rows, "exact") == {"as_of": "2026-01-01", "aum": "100000.00", "current": "50000.00",
                                       "no_investment_days": 30, "share_of_aum": "0.5000"}
    assert evidence(rows, "only_old")["as_of"] == "2025-06-30"
    assert all(r["due_date"] == d("2026-01-08") for r in rows)


def test_payroll_stopped_history_and_silence_windows(run_rule):
    # history D−120…D−36 = 4 Sep … 27 Nov 2025; silence D−35…D−1 = 28 Nov … 1 Jan
    ids = ["stopped", "history_too_short", "paid_recently", "paid_on_d", "reversal", "no_txns"]
    pay = lambda cid, day, amount="12000.00": txn(cid, day, amount, kind="payroll")  # noqa: E731
    history = ["2025-09-04", "2025-10-10", "2025-11-27"]
    rows = run_rule("payroll_stopped", D, customers=[customer(i) for i in ids], transactions=[
        *[pay("stopped", x) for x in history],
        pay("history_too_short", "2025-09-03"), pay("history_too_short", "2025-10-10"),
        pay("history_too_short", "2025-11-27"),
        *[pay("paid_recently", x) for x in history], pay("paid_recently", "2025-11-28"),
        *[pay("paid_on_d", x) for x in history], pay("paid_on_d", "2026-01-02T08:00:00"),
        pay("reversal", "2025-09-04"), pay("reversal", "2025-10-10"), pay("reversal", "2025-11-27", "-12000.00"),
    ])
    assert set(fired(rows)) == {"stopped", "paid_on_d"}
    assert evidence(rows, "stopped") == {"history_from": "2025-09-04", "history_to": "2025-11-27",
                                         "last_payroll_on": "2025-11-27", "payroll_amount": "36000.00",
                                         "payroll_credits": 3, "silent_days": 35}
    by = {r["customer_id"]: r for r in rows}
    assert by["stopped"]["explanation"] == ("近35日无代发工资入账（此前3笔共 ¥36,000.00，最近一次2025-11-27）")
