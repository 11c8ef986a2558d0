"""compute_features: the profiles result on every backend (D = 2 Jan 2026, data up to 1 Jan)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine_rows import contact, customer, d, snapshot, txn
from yuanwei.engine.features import compute_features
from yuanwei.engine.rules import load_rules
from yuanwei.results import RESULT_TABLES

D = d("2026-01-02")
Y = "2026-01-01"


def _bank() -> dict:
    pension = lambda cid, day: txn(cid, day, "4500.00", kind="pension")  # noqa: E731
    payroll = lambda cid, day: txn(cid, day, "15000.00", kind="payroll")  # noqa: E731
    return dict(
        customers=[
            customer("wang", name="王建国", birth_date="1960-01-02", occupation="退休教师", region="mainland",
                     do_not_call=None),
            customer("fam_a"), customer("fam_b_edge"), customer("fam_b"), customer("fam_c"),
            customer("hk", region="hk"), customer("boss", occupation="个体工商户"), customer("lumpy"),
            customer("trader"), customer("salaried", birth_date="1990-01-03"),
            customer("home", occupation="全职太太"), customer("plain", birth_date="2000-02-29"),
            customer("not_yet", opened_on="2026-01-02"),
        ],
        balances=[
            snapshot("wang", "2025-12-01", "100000.00"),  # the latest snapshot ≤ D−1−30 (2 Dec): trend base
            snapshot("wang", "2025-12-20", "110000.01", current="20000.00", time_deposit="30000.00"),
            snapshot("wang", Y, "120000.00", current="30000.00", time_deposit="30000.00"),
            snapshot("wang", "2026-01-02", "999999.00"),  # the snapshot of D is not known yet
            snapshot("hk", "2025-12-31", "12000000.00"),
        ],
        transactions=[
            pension("wang", "2025-12-10"), pension("hk", "2025-12-10"), pension("plain", "2025-07-05"),  # D−181
            *[txn("lumpy", f"2025-{m:02d}-15", "80000.00") for m in (9, 10, 11)],
            *[txn("trader", f"2025-12-{dd:02d}", "-1000.00" if dd % 2 else "1000.00", kind="investment")
              for dd in range(1, 9)],
            payroll("salaried", "2025-11-10"), payroll("salaried", "2025-12-10"),
        ],
        contacts=[
            contact("wang", "2025-12-30T15:20:00"), contact("wang", "2026-01-02T09:00:00"),  # the second: on D
            contact("fam_a", "2025-07-06T09:00:00"), contact("fam_a", "2025-09-01T10:00:00", "interested"),
            contact("fam_a", "2025-12-31T16:00:00", "sold"),
            contact("fam_b_edge", "2025-07-05T23:59:59"), contact("fam_b_edge", "2025-09-01T10:00:00"),
            contact("fam_b_edge", "2025-12-31T10:00:00", "appointment"),
            contact("fam_b", "2025-01-02T00:00:00", "refused"),
            contact("fam_c", "2025-01-01T23:59:59"), contact("fam_c", "2025-12-01T10:00:00", "no_answer"),
            contact("fam_c", "2025-06-01T10:00:00", "do_not_disturb"),
        ],
        services=[
            dict(customer_id="wang", service="mobile_banking", since="2020-01-01"),
            dict(customer_id="wang", service="investment", since=Y),
            dict(customer_id="wang", service="credit_card", since="2026-01-02"),  # signed on D
        ],
        assignments=[
            dict(customer_id="wang", staff_id="S01", role="owner", since="2020-01-01"),
            dict(customer_id="wang", staff_id="S02", role="remote", since=Y),
            dict(customer_id="wang", staff_id="S03", role="advisor", since="2026-01-02"),
        ],
    )


_COMPUTED: dict = {}  # backend name → profiles: each backend computes the bank once per session


def _profiles_on(backend):
    if backend.name not in _COMPUTED:
        _COMPUTED[backend.name] = compute_features(backend.tables(**_bank()), D, load_rules(None))
    return _COMPUTED[backend.name]


@pytest.fixture(scope="module")
def profiles(module_backend):
    out = _profiles_on(module_backend)
    assert out.schema == RESULT_TABLES["profiles"]
    return {r["customer_id"]: r for r in out.to_pylist()}


def test_only_customers_opened_by_d_minus_1_have_a_profile(profiles):
    assert list(profiles) == sorted(profiles) and "not_yet" not in profiles
    assert len(profiles) == 12


def test_balances_avg30_tier_and_trend(profiles):
    wang = profiles["wang"]
    assert wang["balance_as_of"] == d(Y)
    assert (wang["aum"], wang["current"], wang["time_deposit"], wang["investments"]) == (
        Decimal("120000.00"), Decimal("30000.00"), Decimal("30000.00"), Decimal("60000.00"))
    assert wang["aum_avg30"] == Decimal("115000.01")  # (110,000.01 + 120,000.00) / 2, half up
    assert wang["tier"] == "金卡"
    assert wang["aum_trend30"] == pytest.approx(0.2)
    assert profiles["hk"]["tier"] == "私行" and profiles["hk"]["aum_trend30"] is None
    assert profiles["plain"]["tier"] is None and profiles["plain"]["aum"] is None


def test_age_on_d(profiles):
    assert profiles["wang"]["age"] == 66          # birthday on D
    assert profiles["salaried"]["age"] == 35      # birthday on D+1
    assert profiles["plain"]["age"] == 25         # 29 Feb 2000


def test_familiarity_from_reached_contacts(profiles):
    assert {k: profiles[k]["familiarity"] for k in ("fam_a", "fam_b_edge", "fam_b", "fam_c", "boss")} == {
        "fam_a": "A", "fam_b_edge": "B", "fam_b": "B", "fam_c": "C", "boss": "C"}


def test_contacts_do_not_disturb_and_days_since(profiles):
    wang = profiles["wang"]
    assert str(wang["last_contact_at"]) == "2025-12-30 15:20:00"  # the contact of D is not known yet
    assert wang["days_since_contact"] == 3
    assert profiles["fam_c"]["do_not_disturb"] is True and wang["do_not_disturb"] is False
    assert profiles["boss"]["last_contact_at"] is None and profiles["boss"]["days_since_contact"] is None
    assert wang["do_not_call"] is False


def test_services_and_assignments_known_on_d(profiles):
    wang = profiles["wang"]
    held = {k for k in ("has_mobile_banking", "has_credit_card", "has_third_party_binding", "has_investment",
                        "has_payroll") if wang[k]}
    assert held == {"has_mobile_banking", "has_investment"}
    assert (wang["owner_staff_id"], wang["remote_staff_id"], wang["advisor_staff_id"]) == ("S01", "S02", None)


def test_personas(profiles):
    assert {k: v["persona"] for k, v in profiles.items()} == {
        "wang": "retiree", "fam_a": "other", "fam_b_edge": "other", "fam_b": "other", "fam_c": "other",
        "hk": "hk_mo_tw", "boss": "business_owner", "lumpy": "business_owner", "trader": "active_trader",
        "salaried": "salaried", "home": "homemaker", "plain": "other"}


def test_persona_and_familiarity_follow_the_configuration(tmp_path, duckdb_backend):
    path = tmp_path / "rules.yaml"
    path.write_text("features:\n  persona:\n    order: [salaried, retiree]\n"
                    "  familiarity:\n    a_min_reached: 2\n", encoding="utf-8")
    out = compute_features(duckdb_backend.tables(**_bank()), D, load_rules(path))
    rows = {r["customer_id"]: r for r in out.to_pylist()}
    assert rows["hk"]["persona"] == "retiree" and rows["trader"]["persona"] == "other"
    assert rows["fam_b_edge"]["familiarity"] == "A"


@pytest.mark.spark
def test_both_backends_give_identical_profiles(duckdb_backend, spark_backend):
    duck, spark = _profiles_on(duckdb_backend), _profiles_on(spark_backend)
    assert duck.num_rows == 12
    assert duck.equals(spark)


def test_persona_keywords_are_literal_text_whatever_their_characters(tmp_path, module_backend):
    # regular-expression characters in a keyword mean themselves, on every backend; case is ignored
    path = tmp_path / "rules.yaml"
    path.write_text("features:\n  persona:\n    order: [homemaker]\n"
                    '    homemaker_keywords: ["c++", "a.b", "(x)", "Self-Employed", "$5", "k w", "星*", "[q]"]\n',
                    encoding="utf-8")
    jobs = {"cpp": "c++ dev", "dot": "axb", "paren": "team (x)", "case": "SELF-EMPLOYED ok", "dollar": "5",
            "space": "ak wb", "star": "星星", "star_hit": "明星*", "bracket": "q", "none": None}
    rows = [customer(cid, occupation=job) for cid, job in jobs.items()]
    out = compute_features(module_backend.tables(customers=rows), D, load_rules(path))
    hits = {r["customer_id"] for r in out.to_pylist() if r["persona"] == "homemaker"}
    assert hits == {"cpp", "paren", "case", "space", "star_hit"}


def test_persona_keywords_by_occupation_and_industry_shared_by_customers(tmp_path, module_backend):
    # the keyword tests run once per distinct text and are joined back: customers sharing a text
    # share the hit, the industry counts for business_owner only, and a NULL text matches nothing
    path = tmp_path / "rules.yaml"
    path.write_text("features:\n  persona:\n    order: [business_owner, salaried]\n"
                    '    business_owner_keywords: ["私营"]\n    salaried_keywords: ["职员"]\n', encoding="utf-8")
    people = {"a": ("职员", None), "b": ("职员", "私营企业"), "c": (None, "私营企业"), "d": ("私营业主", None),
              "e": (None, None), "f": ("职员", "制造业")}
    rows = [customer(cid, occupation=job, industry=industry) for cid, (job, industry) in people.items()]
    out = compute_features(module_backend.tables(customers=rows), D, load_rules(path))
    assert {r["customer_id"]: r["persona"] for r in out.to_pylist()} == {
        "a": "salaried", "b": "business_owner", "c": "business_owner", "d": "business_owner", "e": "other",
        "f": "salaried"}
