"""Quota cascade and credit rules on worked examples."""

import datetime as dt
from decimal import Decimal as D

from yuanwei.web.apps.campaigns.cascade import Seller, cascade, split, tenure_weight
from yuanwei.web.apps.campaigns.credit import credits_for, quota_pct, score

START = dt.date(2026, 12, 1)


def test_split_adds_up_to_the_fen():
    parts = split(D("100.00"), {"a": D(1), "b": D(1), "c": D(1)})
    assert parts == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert sum(parts.values()) == D("100.00")


def test_tenure_weight_counts_one_year_on_the_start_day():
    assert tenure_weight(dt.date(2025, 12, 1), START, D("0.5")) == 1          # exactly one year
    assert tenure_weight(dt.date(2025, 12, 2), START, D("0.5")) == D("0.5")   # one day short
    assert tenure_weight(dt.date(2024, 2, 29), dt.date(2025, 3, 1), D("0.5")) == 1


def test_worked_example_branch_to_teams_to_rms():
    # Team 一组: two seniors and one junior (weight 2.5); team 二组: one senior (weight 1).
    sellers = [Seller("R1", "B01", "一组", dt.date(2020, 1, 1)), Seller("R2", "B01", "一组", dt.date(2021, 1, 1)),
               Seller("R3", "B01", "一组", dt.date(2026, 6, 1)), Seller("R4", "B01", "二组", dt.date(2019, 1, 1))]
    plan = cascade({"B01": D("7000000.00")}, sellers, START, D("0.5"))
    assert plan.teams == {("B01", "一组"): D("5000000.00"), ("B01", "二组"): D("2000000.00")}
    assert plan.sellers == {"R1": D("2000000.00"), "R2": D("2000000.00"), "R3": D("1000000.00"), "R4": D("2000000.00")}
    assert sum(plan.sellers.values()) == D("7000000.00")


def test_double_credit_for_a_vip_served_with_an_advisor():
    out = credits_for(D("200000.00"), "R1", "财富", "W1", double_credit=True, vip_tiers={"财富", "钻石", "私行"},
                      bonus_multiplier=D("1.00"))
    assert [(c.staff_id, c.amount, c.reason) for c in out] == [
        ("R1", D("200000.00"), "seller"), ("W1", D("200000.00"), "double_credit_advisor")]


def test_no_double_credit_below_vip_or_without_an_advisor_or_when_off():
    kw = dict(vip_tiers={"财富"}, bonus_multiplier=D("1"))
    assert len(credits_for(D("100"), "R1", "金卡", "W1", double_credit=True, **kw)) == 1
    assert len(credits_for(D("100"), "R1", "财富", None, double_credit=True, **kw)) == 1
    assert len(credits_for(D("100"), "R1", "财富", "R1", double_credit=True, **kw)) == 1  # the seller is the advisor
    assert len(credits_for(D("100"), "R1", "财富", "W1", double_credit=False, **kw)) == 1


def test_bonus_multiplier_and_shortfall_deduction():
    [c] = credits_for(D("100000.00"), "R1", "金卡", None, double_credit=True, vip_tiers=set(), bonus_multiplier=D("1.20"))
    assert c.amount == D("120000.00")
    # quota 200,000, credited 120,000: shortfall 80,000 × 0.10 deducted
    assert score(D("120000.00"), D("200000.00"), D("0.10")) == D("112000.00")
    assert score(D("250000.00"), D("200000.00"), D("0.10")) == D("250000.00")  # no shortfall, no deduction
    assert quota_pct(D("120000.00"), D("200000.00")) == 60.0
