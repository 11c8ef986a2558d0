"""tier_up, aum_drop, new_customer, no_recent_contact: exact tiers and window edges, on every backend.

D = 2 Jan 2026: avg30(D−1) reads 3 Dec … 1 Jan, avg30(D−2) reads 2 Dec … 31 Dec."""

from __future__ import annotations

from engine_rows import contact, customer, d, evidence, fired, snapshot

D = d("2026-01-02")
Y = "2026-01-01"


def test_tier_up_compares_exact_30_day_averages(run_rule):
    ids = ["up_exact", "up_one_fen_short", "mean_exact", "mean_half_fen_short", "no_before", "after_d1", "jump"]
    rows = run_rule("tier_up", D, customers=[customer(i) for i in ids], balances=[
        # 2 Dec is only in the D−2 window, 1 Jan only in the D−1 window
        snapshot("up_exact", "2025-12-02", "0.00"), snapshot("up_exact", Y, "50000.00"),
        snapshot("up_one_fen_short", "2025-12-02", "0.00"), snapshot("up_one_fen_short", Y, "49999.99"),
        # mean of 49,999.99 and 50,000.01 is exactly 50,000.00 → 金卡 (before: 49,999.99 → 大众)
        snapshot("mean_exact", "2025-12-02", "49999.99"), snapshot("mean_exact", "2025-12-31", "49999.99"),
        snapshot("mean_exact", Y, "50000.01"),
        # mean 49,999.995 stays 大众
        snapshot("mean_half_fen_short", "2025-12-02", "49999.99"),
        snapshot("mean_half_fen_short", "2025-12-31", "49999.99"), snapshot("mean_half_fen_short", Y, "50000.00"),
        snapshot("no_before", Y, "900000.00"),
        snapshot("after_d1", "2025-12-31", "10000.00"), snapshot("after_d1", "2026-01-02", "20000000.00"),
        snapshot("jump", "2025-12-02", "1000.00"), snapshot("jump", Y, "10000000.00"),
    ])
    assert set(fired(rows)) == {"up_exact", "mean_exact", "jump"}
    assert evidence(rows, "mean_exact") == {"aum_avg30": "50000.00", "as_of": "2026-01-01", "previous_aum_avg30":
                                            "49999.99", "previous_tier": "大众", "snapshots": 2, "tier": "金卡"}
    assert evidence(rows, "jump")["tier"] == "私行"
    by = {r["customer_id"]: r for r in rows}
    assert by["mean_exact"]["explanation"] == ("近30日日均资产 ¥50,000.00，等级由大众升至金卡"
                                               "（前一日日均 ¥49,999.99）")


def test_aum_drop_against_the_peak_of_the_31_days_before_the_latest_snapshot(run_rule):
    ids = ["exact", "one_fen_above", "peak_outside", "peak_too_small", "peak_exact_min", "older_latest", "after_d1"]
    rows = run_rule("aum_drop", D, customers=[customer(i) for i in ids], balances=[
        snapshot("exact", "2025-12-02", "100000.00"), snapshot("exact", Y, "70000.00"),  # t−30
        snapshot("one_fen_above", "2025-12-02", "100000.00"), snapshot("one_fen_above", Y, "70000.01"),
        snapshot("peak_outside", "2025-12-01", "100000.00"), snapshot("peak_outside", "2025-12-15", "80000.00"),
        snapshot("peak_outside", Y, "70000.00"),  # peak in t−30…t−1 is 80,000: 70,000 > 56,000
        snapshot("peak_too_small", "2025-12-31", "49999.99"), snapshot("peak_too_small", Y, "0.00"),
        snapshot("peak_exact_min", "2025-12-31", "50000.00"), snapshot("peak_exact_min", Y, "35000.00"),
        snapshot("older_latest", "2025-12-01", "100000.00"), snapshot("older_latest", "2025-12-20", "10000.00"),
        snapshot("after_d1", "2025-12-20", "100000.00"), snapshot("after_d1", Y, "100000.00"),
        snapshot("after_d1", "2026-01-02", "1.00"),
    ])
    assert set(fired(rows)) == {"exact", "peak_exact_min", "older_latest"}
    assert evidence(rows, "exact") == {"as_of": "2026-01-01", "aum": "70000.00", "drop": "0.3000",
                                       "lookback_days": 30, "peak_aum": "100000.00"}
    assert evidence(rows, "older_latest")["as_of"] == "2025-12-20"
    assert all(r["urgency"] == 4 and r["due_date"] == d("2026-01-05") for r in rows)


def test_new_customer_opened_in_the_last_7_days_with_gold_tier(run_rule):
    rows = run_rule("new_customer", D, customers=[
        customer("first_day", opened_on="2025-12-26"), customer("too_early", opened_on="2025-12-25"),
        customer("below_gold", opened_on=Y), customer("wealth", opened_on=Y),
        customer("opened_on_d", opened_on="2026-01-02"), customer("no_snapshot", opened_on="2025-12-30"),
    ], balances=[
        snapshot("first_day", "2025-12-31", "50000.00"), snapshot("too_early", Y, "900000.00"),
        snapshot("below_gold", Y, "49999.99"), snapshot("wealth", Y, "500000.00"),
        snapshot("opened_on_d", Y, "900000.00"),
    ])
    assert set(fired(rows)) == {"first_day", "wealth"}
    assert evidence(rows, "wealth") == {"as_of": "2026-01-01", "aum": "500000.00", "opened_on": "2026-01-01",
                                        "tier": "财富"}


def test_no_recent_contact_for_gold_customers_in_90_days(run_rule):
    # window D−90…D−1 = 4 Oct 2025 … 1 Jan 2026
    ids = ["never", "below_gold", "first_day", "day_before", "only_after_d1", "no_snapshot", "no_answer"]
    rows = run_rule("no_recent_contact", D, customers=[customer(i) for i in ids], balances=[
        snapshot(i, "2025-12-20", "50000.00") for i in ids if i not in ("below_gold", "no_snapshot")
    ] + [snapshot("below_gold", "2025-12-20", "49999.99")], contacts=[
        contact("first_day", "2025-10-04T00:00:01"),
        contact("day_before", "2025-10-03T23:59:59"),
        contact("only_after_d1", "2026-01-02T08:00:00"),
        contact("no_answer", "2025-12-30T10:00:00", "no_answer"),
    ])
    assert set(fired(rows)) == {"never", "day_before", "only_after_d1"}
    assert evidence(rows, "day_before") == {"aum_avg30": "50000.00", "days": 90, "last_contact_on": "2025-10-03",
                                            "tier": "金卡"}
    assert evidence(rows, "only_after_d1")["last_contact_on"] is None
