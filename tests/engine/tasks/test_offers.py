"""Offers and suitability (DESIGN §5): every C×R pair, the assessment's 365 days, age 65 on D,
on sale on D, min_amount against available funds, and what each signal offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yuanwei.engine.tasks.config import load_tasks_config
from yuanwei.engine.tasks.offers import unsuitable

D = dt.date(2026, 11, 30)
CFG = load_tasks_config(None).offers


def profile(**kw):
    p = dict(customer_id="C1", risk_level="C3", risk_assessed_on=D - dt.timedelta(days=100), age=50)
    p.update(kw)
    return p


def product(rating="R1", category="wealth", min_amount="1000.00"):
    return dict(product_id="P", category=category, risk_rating=rating, min_amount=Decimal(min_amount))


@pytest.mark.parametrize("level", ["C1", "C2", "C3", "C4", "C5"])
@pytest.mark.parametrize("rating", ["R1", "R2", "R3", "R4", "R5"])
def test_product_risk_rk_needs_customer_level_cj_with_k_at_most_j(level, rating):
    why = unsuitable(product(rating, "fund"), profile(risk_level=level), D, Decimal("1e9"), CFG)
    assert why == (None if int(rating[1]) <= int(level[1]) else "risk_mismatch")


@pytest.mark.parametrize("days_old, valid", [(0, True), (364, True), (365, True), (366, False)])
def test_an_assessment_is_valid_for_365_days(days_old, valid):
    p = profile(risk_level="C5", risk_assessed_on=D - dt.timedelta(days=days_old))
    assert (unsuitable(product("R2", "wealth"), p, D, Decimal("1e9"), CFG) is None) is valid


@pytest.mark.parametrize("category", ["time_deposit", "certificate"])
def test_without_an_assessment_only_deposits_and_certificates(category):
    for p in (profile(risk_level=None, risk_assessed_on=None), profile(risk_assessed_on=None),
              profile(risk_assessed_on=D - dt.timedelta(days=366))):
        assert unsuitable(product("R1", category), p, D, Decimal("1e9"), CFG) is None
        assert unsuitable(product("R1", "wealth"), p, D, Decimal("1e9"), CFG) == "no_assessment"


@pytest.mark.parametrize("age, rating, ok", [
    (64, "R4", True), (64, "R5", True), (65, "R3", True), (65, "R4", False), (65, "R5", False), (80, "R4", False),
])
def test_customers_aged_65_or_more_get_nothing_rated_r4_or_r5(age, rating, ok):
    why = unsuitable(product(rating, "fund"), profile(risk_level="C5", age=age), D, Decimal("1e9"), CFG)
    assert why == (None if ok else "elderly")


@pytest.mark.parametrize("funds, ok", [("999.99", False), ("1000.00", True), ("1000.01", True)])
def test_min_amount_must_not_exceed_available_funds_to_the_fen(funds, ok):
    why = unsuitable(product("R1", "wealth", "1000.00"), profile(), D, Decimal(funds), CFG)
    assert why == (None if ok else "below_min_amount")


# --- through build_tasks: what each signal offers, on sale on D, and the excluded reasons ------

def test_age_65_reached_on_d_blocks_r4_in_a_run(world, duckdb_backend, home):
    # born 1961-11-30: 65 on D exactly; the features engineer computes age on D
    world.customer("OLD", birth_date=dt.date(1961, 11, 30), age=65, risk_level="C5")
    world.customer("YNG", birth_date=dt.date(1961, 12, 1), age=64, risk_level="C5")
    for cid in ("OLD", "YNG"):
        world.holding(cid, "FD4", matures_on=D + dt.timedelta(days=2))
        world.signal(cid, "maturity", 4, due_date=D + dt.timedelta(days=2))
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert "FD4" in t["YNG"]["offers"].split(";") and "FD5" in t["YNG"]["offers"].split(";")
    assert not {"FD4", "FD5"} & set(t["OLD"]["offers"].split(";"))
    assert "年满65岁" in t["OLD"]["policy_notes"]


def test_maturity_reinvests_in_the_same_category_first_and_idle_cash_gets_low_risk(world, duckdb_backend, home):
    world.customer("MAT", risk_level="C5")
    world.holding("MAT", "WL2", amount="50000.00", matures_on=D + dt.timedelta(days=3))
    world.signal("MAT", "maturity", 4, due_date=D + dt.timedelta(days=3))
    world.customer("IDL", risk_level="C5", current=Decimal("250000.00"))
    world.signal("IDL", "idle_cash", 3)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    mat = t["MAT"]["offers"].split(";")
    assert mat[:3] == ["WL2", "WL1", "WL3"]  # same category, closest term (180 days) first
    idle = t["IDL"]["offers"].split(";")
    # time deposits, certificates and wealth up to R2 only — never the R3 wealth or funds
    assert set(idle) <= {"TD3Y", "CD20", "WL1", "WL2"} and len(idle) == 3
    assert t["IDL"]["purpose"] == "marketing"


def test_customers_alike_but_for_what_matures_get_their_own_reinvestment(world, duckdb_backend, home):
    # the same level, age and funds: only the maturing holding differs (offers are shared between
    # customers alike, so what matures must be part of the likeness)
    for cid, held in (("M90", "WL1"), ("M365", "WL3"), ("MTD", "TD3Y"), ("M90B", "WL1")):
        world.customer(cid, risk_level="C5", current=Decimal("100000.00"))
        world.holding(cid, held, amount="50000.00", matures_on=D + dt.timedelta(days=2))
        world.signal(cid, "maturity", 4, due_date=D + dt.timedelta(days=2))
    tasks, _ = world.build(duckdb_backend, home)
    offers = {cid: t["offers"].split(";") for cid, t in world.by_customer(tasks).items()}
    assert offers["M90"][:3] == ["WL1", "WL2", "WL3"]     # wealth, the closest term to 90 days first
    assert offers["M365"][:3] == ["WL3", "WL2", "WL1"]    # wealth, the closest term to 365 days first
    assert offers["MTD"][0] == "TD3Y"                      # its own category before the others
    assert offers["M90B"] == offers["M90"]


def test_maturing_amount_counts_as_available_funds(world, duckdb_backend, home):
    # current 150,000 + maturing 50,000 = 200,000 reaches the certificate's 200,000 minimum
    world.customer("MAT", risk_level="C1", current=Decimal("150000.00"))
    world.holding("MAT", "CD20", amount="50000.00", matures_on=D)
    world.signal("MAT", "maturity", 4)
    tasks, _ = world.build(duckdb_backend, home)
    assert world.by_customer(tasks)["MAT"]["offers"].split(";")[0] == "CD20"


def test_only_products_on_sale_on_d(world, duckdb_backend, home):
    world.rows["products"] = [
        dict(product_id="ENDS_D", name="a", category="time_deposit", risk_rating="R1", min_amount="50",
             sale_start="2020-01-01", sale_end=D),
        dict(product_id="ENDED", name="b", category="time_deposit", risk_rating="R1", min_amount="50",
             sale_start="2020-01-01", sale_end=D - dt.timedelta(days=1)),
        dict(product_id="STARTS_D", name="c", category="time_deposit", risk_rating="R1", min_amount="50",
             sale_start=D),
        dict(product_id="LATER", name="d", category="time_deposit", risk_rating="R1", min_amount="50",
             sale_start=D + dt.timedelta(days=1)),
        dict(product_id="CLOSED", name="e", category="time_deposit", risk_rating="R1", min_amount="50",
             sale_start="2020-01-01", status="closed"),
    ]
    world.customer("C1")
    world.signal("C1", "idle_cash", 3)
    tasks, _ = world.build(duckdb_backend, home)
    assert sorted(world.by_customer(tasks)["C1"]["offers"].split(";")) == ["ENDS_D", "STARTS_D"]


def test_a_product_rule_with_no_suitable_product_is_excluded_with_its_reason(world, duckdb_backend, home):
    world.rows["products"] = [dict(product_id="WL3", name="x", category="wealth", risk_rating="R3",
                                   min_amount="10000", sale_start="2020-01-01")]
    world.customer("LOW", risk_level="C1")
    world.signal("LOW", "idle_cash", 3)
    world.signal("LOW", "birthday", 2)
    tasks, excluded = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)["LOW"]
    assert t["rules"] == "birthday" and t["purpose"] == "care" and t["offers"] == ""
    # idle_cash caps wealth at R2 for this rule, so nothing is a candidate at all
    assert world.reasons(excluded) == {("LOW", "idle_cash"): "no_product"}


def test_risk_mismatch_is_the_reason_when_products_exist_but_exceed_the_level(world, duckdb_backend, home):
    world.rows["products"] = [dict(product_id="WL2", name="x", category="wealth", risk_rating="R2",
                                   min_amount="10000", sale_start="2020-01-01")]
    world.customer("LOW", risk_level="C1")
    world.signal("LOW", "large_inflow", 3)
    _, excluded = world.build(duckdb_backend, home)
    rows = excluded.to_pylist()
    assert [(r["rule"], r["reason_code"], r["reason"]) for r in rows] == [
        ("large_inflow", "risk_mismatch", "风险等级不匹配")]


def test_welcome_offers_the_basic_products_the_customer_lacks(world, duckdb_backend, home):
    world.customer("NEW", has_credit_card=False, has_third_party_binding=False)
    world.signal("NEW", "new_customer", 3)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)["NEW"]
    assert t["offers"] == "credit_card;third_party_binding" and t["purpose"] == "marketing"


def test_retention_and_care_push_no_product(world, duckdb_backend, home):
    world.customer("RET", has_credit_card=False)
    world.signal("RET", "aum_drop", 3)
    world.customer("CARE", has_credit_card=False)
    world.signal("CARE", "market_shock", 2)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    assert t["RET"]["offers"] == "" and t["RET"]["purpose"] == "marketing"
    assert t["CARE"]["offers"] == "" and t["CARE"]["purpose"] == "care"


def test_cross_sell_rides_along_on_marketing_tasks_only(world, duckdb_backend, home):
    world.customer("MKT", has_mobile_banking=False, has_investment=False, has_credit_card=False)
    world.signal("MKT", "idle_cash", 3)
    world.customer("SRV", has_mobile_banking=False, risk_level=None, risk_assessed_on=None)
    world.signal("SRV", "risk_assessment_expiring", 3)
    tasks, _ = world.build(duckdb_backend, home)
    t = world.by_customer(tasks)
    offers = t["MKT"]["offers"].split(";")
    assert offers[-2:] == ["mobile_banking", "credit_card"]  # max_cross_sell = 2, in the basic order
    assert t["SRV"]["offers"] == "" and t["SRV"]["purpose"] == "service"


@pytest.mark.parametrize("minimum", ["50.00", "10000.00", "0.01", "100.005", "199999.99"])
def test_funds_classes_in_fen_count_the_same_minimums_as_exact_decimals(minimum):
    """The columnar funds class (integer fen) agrees with the exact-decimal one at every boundary."""
    import numpy as np
    import pandas as pd

    from yuanwei.engine.tasks.offers import Catalogue

    cfg = load_tasks_config(None).offers
    products = pd.DataFrame({"product_id": ["A", "B", "C"], "name": ["a", "b", "c"],
                             "category": ["time_deposit", "wealth", "fund"], "risk_rating": ["R1", "R2", "R4"],
                             "min_amount": [minimum, "200000.00", None], "term_days": [90, 180, None],
                             "expected_return": [0.02, 0.03, None]})
    catalogue = Catalogue(products, pd.DataFrame(columns=["customer_id"]), cfg, {})
    m = Decimal(minimum)
    amounts = [Decimal("0.00"), m - Decimal("0.01"), m.quantize(Decimal("0.01")), m + Decimal("0.01"),
               Decimal("199999.99"), Decimal("200000.00"), Decimal("-5.00")]
    amounts = [a.quantize(Decimal("0.01")) for a in amounts]
    cents = np.array([int(a * 100) for a in amounts], np.int64)
    assert catalogue.funds_classes(cents).tolist() == [catalogue.funds_class(a) for a in amounts]


def test_a_customers_maturing_holdings_are_taken_together_whatever_their_order():
    """categories (each once, sorted), amounts summed and the first holding's term, per customer,
    with other customers' holdings in between."""
    import pandas as pd

    from yuanwei.engine.tasks.offers import Catalogue

    products = pd.DataFrame({"product_id": ["A"], "name": ["a"], "category": ["wealth"], "risk_rating": ["R2"],
                             "min_amount": ["1000.00"], "term_days": [90], "expected_return": [0.03]})
    maturing = pd.DataFrame({
        "customer_id": ["B", "A", "B", "A", "A"], "holding_id": ["H1", "H2", "H3", "H4", "H5"],
        "amount": [Decimal("10.00"), Decimal("20.00"), Decimal("5.50"), Decimal("1.00"), Decimal("0.01")],
        "matures_on": [D] * 5, "category": ["wealth", "time_deposit", None, "wealth", "wealth"],
        "term_days": [None, None, 180, 30, 365]})
    catalogue = Catalogue(products, maturing, load_tasks_config(None).offers, {})
    assert catalogue.maturing_of("A") == (("time_deposit", "wealth"), Decimal("21.01"), 30)
    assert catalogue.maturing_of("B") == (("wealth",), Decimal("15.50"), 180)
    assert catalogue.maturing_of("C") == ((), Decimal("0"), None)
