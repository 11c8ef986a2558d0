"""birthday, relative_birthday, maturity, risk_assessment_expiring at every boundary, on every backend.

Each test builds one table of cases (one customer per case) and runs the rule once per backend."""

from __future__ import annotations

from engine_rows import customer, d, fired, holding, product


def test_birthday_window_crosses_the_year_end(run_rule):
    D = d("2025-12-31")  # D…D+2 = 31 Dec, 1 Jan, 2 Jan
    rows = run_rule("birthday", D, customers=[
        customer("on_d", birth_date="1970-12-31"),
        customer("new_year", birth_date="1980-01-01", opened_on="2025-12-30"),  # opened on D-1: a customer
        customer("d_plus_2", birth_date="1990-01-02"),
        customer("d_plus_3", birth_date="1990-01-03"),
        customer("yesterday", birth_date="1990-12-30"),
        customer("not_yet", birth_date="1970-12-31", opened_on="2025-12-31"),  # opened on D
    ])
    assert fired(rows) == {"on_d": d("2025-12-31"), "new_year": d("2026-01-01"), "d_plus_2": d("2026-01-02")}
    by = {r["customer_id"]: r for r in rows}
    assert by["on_d"]["urgency"] == 2
    assert by["on_d"]["evidence"] == {"age": 55, "birth_date": "1970-12-31", "birthday": "2025-12-31"}
    assert by["new_year"]["explanation"] == "客户明天（1月1日）生日，满46岁"


def test_29_february_counts_as_28_february_in_non_leap_years(run_rule):
    people = [customer("leapling", birth_date="2000-02-29"), customer("feb28", birth_date="1990-02-28"),
              customer("mar1", birth_date="1990-03-01"), customer("mar2", birth_date="1990-03-02")]
    # 2027 is not a leap year: D…D+2 = 27 Feb, 28 Feb, 1 Mar
    rows = run_rule("birthday", d("2027-02-27"), customers=people)
    assert fired(rows) == {"leapling": d("2027-02-28"), "feb28": d("2027-02-28"), "mar1": d("2027-03-01")}
    leap = [r for r in rows if r["customer_id"] == "leapling"][0]
    assert leap["evidence"]["age"] == 27
    assert "平年按2月28日" in leap["explanation"]
    # 2028 is a leap year: 29 Feb is its own day, 28 Feb is not the leapling's birthday
    rows = run_rule("birthday", d("2028-02-28"), customers=people)
    assert fired(rows) == {"leapling": d("2028-02-29"), "feb28": d("2028-02-28"), "mar1": d("2028-03-01")}
    rows = run_rule("birthday", d("2028-03-01"), customers=people)
    assert fired(rows) == {"mar1": d("2028-03-01"), "mar2": d("2028-03-02")}


def test_relative_birthday_one_row_per_relative(run_rule):
    D = d("2025-12-31")
    rows = run_rule("relative_birthday", D, customers=[
        customer("C1"), customer("C2"), customer("not_yet", opened_on="2026-01-01"),
    ], relatives=[
        dict(customer_id="C1", relation="spouse", name="王芳", birth_date="1968-01-02"),
        dict(customer_id="C1", relation="child", name="王小明", birth_date="2012-12-31"),
        dict(customer_id="C2", relation="parent", name="李大山", birth_date="1950-01-03"),  # D+3
        dict(customer_id="not_yet", relation="spouse", name="赵六", birth_date="1970-12-31"),
    ])
    assert [(r["customer_id"], r["due_date"], r["evidence"]["relative_name"]) for r in rows] == [
        ("C1", d("2025-12-31"), "王小明"), ("C1", d("2026-01-02"), "王芳")]
    assert rows[0]["urgency"] == 1
    assert rows[1]["evidence"] == {"age": 58, "birth_date": "1968-01-02", "birthday": "2026-01-02",
                                   "relation": "spouse", "relative_name": "王芳"}
    assert rows[1]["explanation"] == "客户配偶王芳后天（1月2日）生日，满58岁"


def test_maturity_within_d_to_d_plus_7(run_rule):
    D = d("2025-12-28")  # D…D+7 = 28 Dec … 4 Jan
    rows = run_rule("maturity", D, customers=[
        customer("C1"), customer("C2"), customer("C3"), customer("not_yet", opened_on="2025-12-28"),
    ], products=[product("W1", "wealth", "R2", name="稳盈90天")], holdings=[
        holding("H_yesterday", "C1", "W1", matures_on="2025-12-27"),
        holding("H_on_d", "C1", "W1", amount="200000.00", matures_on="2025-12-28"),
        holding("H_last_day", "C1", "W1", matures_on="2026-01-04"),
        holding("H_day_after", "C2", "W1", matures_on="2026-01-05"),
        holding("H_open_ended", "C2", "W1"),
        holding("H_bought_on_d", "C3", "W1", bought_on="2025-12-28", matures_on="2025-12-30"),
        holding("H_not_yet", "not_yet", "W1", matures_on="2025-12-30"),
    ])
    assert [(r["customer_id"], r["due_date"], r["evidence"]["holding_id"]) for r in rows] == [
        ("C1", d("2025-12-28"), "H_on_d"), ("C1", d("2026-01-04"), "H_last_day")]
    assert rows[0]["urgency"] == 4
    assert rows[0]["evidence"] == {"amount": "200000.00", "category": "wealth", "holding_id": "H_on_d",
                                   "matures_on": "2025-12-28", "product_id": "W1", "product_name": "稳盈90天"}
    assert rows[0]["explanation"] == "稳盈90天 ¥200,000.00 将于今天（2025-12-28）到期"


def test_risk_assessment_expiring_and_expired_while_holding_funds(run_rule):
    D = d("2026-01-05")  # expiring: assessed 2025-01-05 … 2025-01-19 (expires D … D+14)
    rows = run_rule("risk_assessment_expiring", D, customers=[
        customer("expires_on_d", risk_assessed_on="2025-01-05", risk_level="C3"),
        customer("expires_d14", risk_assessed_on="2025-01-19"),
        customer("expires_d15", risk_assessed_on="2025-01-20"),
        customer("expired_no_holding", risk_assessed_on="2025-01-04"),
        customer("expired_fund", risk_assessed_on="2025-01-04"),
        customer("expired_insurance", risk_assessed_on="2023-06-01"),
        customer("expired_bought_on_d", risk_assessed_on="2023-06-01"),
        customer("never_assessed"),
    ], products=[product("F1", "fund"), product("I1", "insurance", "R1")], holdings=[
        holding("H1", "expired_fund", "F1"), holding("H2", "expired_fund", "F1"),
        holding("H3", "expired_insurance", "I1"), holding("H4", "expired_bought_on_d", "F1", bought_on="2026-01-05"),
        holding("H5", "never_assessed", "F1"),
    ])
    assert fired(rows) == {"expires_on_d": d("2026-01-05"), "expires_d14": d("2026-01-19"),
                           "expired_fund": d("2026-01-05")}
    by = {r["customer_id"]: r for r in rows}
    assert by["expires_on_d"]["urgency"] == 3 and by["expired_fund"]["urgency"] == 4
    assert by["expired_fund"]["evidence"] == {"expires_on": "2026-01-04", "holdings": 2, "risk_assessed_on":
                                              "2025-01-04", "risk_level": None, "status": "expired"}
    assert by["expires_d14"]["explanation"] == "风险测评将于14天后（2026-01-19）到期，测评日2025-01-19"
