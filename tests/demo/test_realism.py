"""The demo bank reads like a Chinese retail bank and holds the cases the tasks engine must handle."""

from __future__ import annotations

import datetime as dt

from .conftest import CUSTOMERS, D, END


def one(con, sql):
    return con.execute(sql).fetchone()


def test_branches_are_one_citys_districts_under_a_parent(bank):
    rows = bank.execute("SELECT branch_id, name, parent_id, city FROM branches ORDER BY branch_id").fetchall()
    assert rows[0][1:] == ("成都分行", None, "成都")
    assert all(r[1].endswith("支行") and r[2] == rows[0][0] and r[3] == "成都" for r in rows[1:])


def test_the_demo_logins_share_the_first_branch_and_team(bank):
    rows = bank.execute("""SELECT staff_id, role, branch_id, team FROM staff WHERE branch_id = 'CD001'
                           ORDER BY staff_id""").fetchall()
    head = next(r for r in rows if r[1] == "branch_head")
    lead = next(r for r in rows if r[1] == "team_lead")
    rm = next(r for r in rows if r[1] == "remote_rm")
    assert (head[0], lead[0], rm[0]) == ("S0001", "S0002", "S0003")
    assert lead[3] == rm[3] and lead[3].startswith("锦江")
    customers = one(bank, "SELECT count(*) FROM assignments WHERE staff_id = 'S0003' AND role = 'remote'")[0]
    assert customers >= 100


def test_staff_roles_teams_and_tenure(bank):
    roles = dict(bank.execute("SELECT role, count(*) FROM staff GROUP BY role").fetchall())
    assert set(roles) == {"remote_rm", "rm", "wealth_advisor", "lobby", "team_lead", "branch_head", "admin"}
    assert roles["remote_rm"] >= roles["rm"] and roles["admin"] == 1
    assert roles["branch_head"] == one(bank, "SELECT count(*) FROM branches WHERE parent_id IS NOT NULL")[0]
    biggest = one(bank, "SELECT max(n) FROM (SELECT count(*) AS n FROM staff WHERE role = 'remote_rm' GROUP BY team)")[0]
    assert biggest <= 10
    new_hires = one(bank, f"SELECT count(*) FROM staff WHERE hired_on > DATE '{END}' - 365")[0]
    assert 0 < new_hires < roles["remote_rm"] + roles["lobby"]


def test_customers_look_real(bank):
    ages_ok, phones_ok, names_ok = one(bank, f"""
        SELECT bool_and(date_diff('year', birth_date, DATE '{D}') BETWEEN 20 AND 91),
               bool_and(regexp_full_match(phone, '1[3-9][0-9]{{9}}')),
               bool_and(length(name) BETWEEN 2 AND 4)
        FROM customers""")
    assert ages_ok and phones_ok and names_ok
    regions = dict(bank.execute("SELECT region, count(*) FROM customers GROUP BY region").fetchall())
    assert regions["mainland"] > 0.8 * CUSTOMERS and regions.get("hk", 0) + regions.get("mo", 0) + regions.get("tw", 0) > 0
    occupations = {r[0] for r in bank.execute("SELECT DISTINCT occupation FROM customers").fetchall()}
    assert {"退休人员", "家庭主妇", "企业主"} <= occupations
    opened_this_week = one(bank, f"SELECT count(*) FROM customers WHERE opened_on > DATE '{END}' - 7")[0]
    opened_long_ago = one(bank, f"SELECT count(*) FROM customers WHERE opened_on < DATE '{END}' - 3650")[0]
    assert opened_this_week > 0 and opened_long_ago > 0.2 * CUSTOMERS


def test_most_customers_are_long_tail_with_a_realistic_top(bank):
    tiers = dict(bank.execute(f"""
        SELECT CASE WHEN aum >= 5000000 THEN '钻石+' WHEN aum >= 500000 THEN '财富'
                    WHEN aum >= 50000 THEN '金卡' ELSE '大众' END, count(*)
        FROM balances WHERE as_of = DATE '{END}' GROUP BY 1""").fetchall())
    total = sum(tiers.values())
    assert tiers["大众"] + tiers["金卡"] > 0.85 * total
    assert tiers["财富"] > 0.02 * total


def test_personas_have_their_own_flows(bank):
    kinds = dict(bank.execute("SELECT kind, count(*) FROM transactions GROUP BY kind").fetchall())
    assert set(kinds) == {"payroll", "pension", "transfer", "cash", "card", "investment", "fee", "interest"}
    # retirees receive a monthly pension
    pension_months = one(bank, """SELECT median(n) FROM (SELECT customer_id, count(*) AS n FROM transactions
                                  WHERE kind = 'pension' GROUP BY customer_id)""")[0]
    assert pension_months >= 11
    # active traders buy and sell funds often
    busiest = one(bank, """SELECT max(n) FROM (SELECT customer_id, count(*) AS n FROM transactions
                           WHERE kind = 'investment' GROUP BY customer_id)""")[0]
    assert busiest >= 20


def test_most_customers_have_a_remote_rm_of_their_branch_and_vips_an_advisor(bank):
    unassigned = one(bank, """SELECT count(*) FROM customers c WHERE NOT EXISTS
                              (SELECT 1 FROM assignments a WHERE a.customer_id = c.customer_id AND a.role = 'remote')""")[0]
    assert 0.02 * CUSTOMERS < unassigned < 0.1 * CUSTOMERS
    wrong_branch = one(bank, """SELECT count(*) FROM assignments a JOIN customers c USING (customer_id)
                                JOIN staff s USING (staff_id) WHERE a.role = 'remote'
                                AND (s.branch_id <> c.branch_id OR s.role <> 'remote_rm')""")[0]
    assert wrong_branch == 0
    vip_without_advisor = one(bank, f"""SELECT count(*) FROM balances b WHERE as_of = DATE '{END}' AND aum >= 1000000
        AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.customer_id = b.customer_id AND a.role = 'advisor')""")[0]
    vips = one(bank, f"SELECT count(*) FROM balances WHERE as_of = DATE '{END}' AND aum >= 1000000")[0]
    assert vips > 0 and vip_without_advisor < 0.2 * vips


def test_products_cover_every_category_and_rating_with_sale_windows(bank):
    cats = {r[0] for r in bank.execute("SELECT DISTINCT category FROM products").fetchall()}
    risks = {r[0] for r in bank.execute("SELECT DISTINCT risk_rating FROM products").fetchall()}
    assert cats == {"wealth", "fund", "insurance", "time_deposit", "gold", "bond", "certificate"}
    assert risks == {"R1", "R2", "R3", "R4", "R5"}
    closed, future = one(bank, f"""SELECT count(*) FILTER (WHERE status = 'closed' AND sale_end < DATE '{D}'),
                                          count(*) FILTER (WHERE sale_start > DATE '{D}') FROM products""")
    assert closed > 0 and future > 0


def test_navs_and_markets_skip_weekends_and_news_arrive_daily(bank):
    weekend = one(bank, "SELECT count(*) FROM nav WHERE dayofweek(as_of) IN (0, 6)")[0]
    weekend += one(bank, "SELECT count(*) FROM market WHERE dayofweek(as_of) IN (0, 6)")[0]
    assert weekend == 0
    symbols = {r[0] for r in bank.execute("SELECT DISTINCT symbol FROM market").fetchall()}
    assert symbols == {"SSE_COMPOSITE", "GOLD_AU9999", "BRENT"}
    per_day = one(bank, f"""SELECT min(n), max(n) FROM (SELECT substr(published_at, 1, 10) AS day, count(*) AS n
                            FROM news GROUP BY day HAVING day > '{END - dt.timedelta(days=7)}')""")
    assert 3 <= per_day[0] and per_day[1] <= 6


def test_some_big_employers_pay_salaries_elsewhere(bank):
    prospects = one(bank, """SELECT count(*) FROM employers e WHERE NOT e.payroll_with_bank
                             AND (SELECT count(*) FROM customers c WHERE c.employer_id = e.employer_id) >= 10""")[0]
    assert prospects >= 1
    payroll_customers = one(bank, "SELECT count(*) FROM services WHERE service = 'payroll'")[0]
    assert payroll_customers > 0


def test_four_basic_products_have_gaps(bank):
    for service in ("mobile_banking", "credit_card", "third_party_binding", "investment"):
        share = one(bank, f"SELECT count(*) FROM services WHERE service = '{service}'")[0] / CUSTOMERS
        assert 0.1 < share < 0.95, service


def test_the_policy_cases_are_present(bank):
    e = f"DATE '{END}'"
    cases = one(bank, f"""SELECT
        (SELECT count(*) FROM customers WHERE NOT marketing_consent),
        (SELECT count(*) FROM customers WHERE do_not_call),
        (SELECT count(DISTINCT customer_id) FROM contacts WHERE CAST(substr("at", 1, 10) AS DATE) > {e} - 7),
        (SELECT count(DISTINCT customer_id) FROM contacts WHERE CAST(substr("at", 1, 10) AS DATE) > {e} - 30),
        (SELECT count(DISTINCT customer_id) FROM contacts WHERE outcome = 'refused'
                                           AND CAST(substr("at", 1, 10) AS DATE) > {e} - 30),
        (SELECT count(DISTINCT customer_id) FROM contacts WHERE outcome = 'do_not_disturb'),
        (SELECT count(DISTINCT customer_id) FROM channel_plans WHERE channel <> 'remote'
                                           AND valid_from <= {e} + 1 AND valid_to >= {e} + 1),
        (SELECT count(*) FROM customers WHERE date_diff('year', birth_date, {e} + 1) >= 65
                                           AND risk_level IN ('C4', 'C5')),
        (SELECT count(*) FROM customers WHERE risk_assessed_on + 365 < {e} + 1),
        (SELECT count(*) FROM customers WHERE risk_level IS NULL)""")
    names = ("no consent", "do not call", "contact in 7 days", "contact in 30 days", "refused in 30 days",
             "do_not_disturb", "other channel plan", "65+ with C4/C5", "expired assessment", "no assessment")
    for name, n in zip(names, cases):
        assert n >= 1, name


def test_call_times_depend_on_persona(bank):
    # retirees pick up in the morning, salaried customers at lunch or in the evening
    rows = dict(bank.execute("""
        SELECT c.occupation = '退休人员' AS retired,
               avg(CASE WHEN CAST(substr(k."at", 12, 2) AS INTEGER) < 12 THEN 1.0 ELSE 0.0 END)
        FROM contacts k JOIN customers c USING (customer_id)
        WHERE k.outcome <> 'no_answer' AND k.channel = 'phone' GROUP BY 1""").fetchall())
    assert rows[True] > 0.6 and rows[False] < 0.45
    reach = dict(bank.execute("""
        SELECT CAST(substr(k."at", 12, 2) AS INTEGER) BETWEEN 9 AND 10 AS morning,
               avg(CASE WHEN outcome <> 'no_answer' THEN 1.0 ELSE 0.0 END)
        FROM contacts k JOIN customers c USING (customer_id)
        WHERE c.occupation = '退休人员' AND k.channel = 'phone' GROUP BY 1""").fetchall())
    assert reach[True] > reach[False] + 0.2


def test_contacts_are_made_by_the_assigned_remote_rm_mostly_and_stop_phoning_after_do_not_disturb(bank):
    own = one(bank, """SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.customer_id = k.customer_id
                                                  AND a.staff_id = k.staff_id) THEN 1.0 ELSE 0.0 END)
                       FROM contacts k""")[0]
    assert own > 0.8
    after = one(bank, """SELECT count(*) FROM contacts k JOIN (SELECT customer_id, min("at") AS first_dnd FROM contacts
                         WHERE outcome = 'do_not_disturb' GROUP BY ALL) d USING (customer_id)
                         WHERE k."at" > d.first_dnd AND k.channel = 'phone'""")[0]
    assert after == 0
