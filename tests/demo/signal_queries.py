"""DESIGN §4's default signals as plain DuckDB SQL over the generated files, written from the
rule's text and independent of the generator's code: ``queries(D)`` maps each rule (and each
branch of a two-branch rule) to a query counting the customers it fires for on D."""

from __future__ import annotations

import datetime as dt


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def queries(D: dt.date) -> dict[str, str]:
    def d(offset: int) -> str:
        """The date literal of D + offset."""
        return f"DATE '{D + dt.timedelta(days=offset)}'"

    AVG30 = """
        avg30 AS (
          SELECT customer_id,
                 avg(aum) FILTER (WHERE as_of BETWEEN {e} - 29 AND {e}) AS a1,
                 count(*) FILTER (WHERE as_of BETWEEN {e} - 29 AND {e}) AS n1,
                 avg(aum) FILTER (WHERE as_of BETWEEN {e} - 30 AND {e} - 1) AS a2,
                 count(*) FILTER (WHERE as_of BETWEEN {e} - 30 AND {e} - 1) AS n2
          FROM balances GROUP BY customer_id)
    """.format(e=d(-1))

    TIER = """CASE WHEN {x} >= 10000000 THEN 4 WHEN {x} >= 5000000 THEN 3 WHEN {x} >= 500000 THEN 2
                   WHEN {x} >= 50000 THEN 1 ELSE 0 END"""

    CREDITS = "(SELECT customer_id, CAST(substr(booked_at, 1, 10) AS DATE) AS day, amount FROM transactions " \
              "WHERE amount > 0 AND kind <> 'interest')"
    DEBITS = "(SELECT customer_id, CAST(substr(booked_at, 1, 10) AS DATE) AS day, kind, amount FROM transactions " \
             "WHERE amount < 0)"
    LATEST = f"""(SELECT * FROM balances b WHERE as_of = (SELECT max(as_of) FROM balances x
                   WHERE x.customer_id = b.customer_id AND x.as_of <= {d(-1)}))"""

    def birthday_sql(table: str) -> str:
        return f"""
          SELECT count(DISTINCT p.customer_id) FROM {table} p, (SELECT {d(0)} + CAST(i AS INTEGER) AS day FROM range(3) t(i)) w
          WHERE (month(p.birth_date) = month(w.day) AND day(p.birth_date) = day(w.day))
             OR (month(p.birth_date) = 2 AND day(p.birth_date) = 29 AND month(w.day) = 2 AND day(w.day) = 28
                 AND day(last_day(w.day)) = 28)"""

    return {
        "birthday": birthday_sql("customers"),
        "relative_birthday": birthday_sql("relatives"),
        "maturity": f"SELECT count(DISTINCT customer_id) FROM holdings WHERE matures_on BETWEEN {d(0)} AND {d(7)}",
        "large_inflow (C ≥ 50,000)": f"""
          SELECT count(*) FROM (SELECT customer_id, sum(amount) AS c FROM {CREDITS} WHERE day = {d(-1)}
                                GROUP BY customer_id) WHERE c >= 50000""",
        "large_inflow (C ≥ 10,000 and ≥ 5 × M)": f"""
          WITH c AS (SELECT customer_id, sum(amount) AS c FROM {CREDITS} WHERE day = {d(-1)} GROUP BY customer_id),
               m AS (SELECT customer_id, sum(amount) / 90 AS m FROM {CREDITS} WHERE day BETWEEN {d(-91)} AND {d(-2)}
                     GROUP BY customer_id)
          SELECT count(*) FROM c LEFT JOIN m USING (customer_id)
          WHERE c.c < 50000 AND c.c >= 10000 AND c.c >= 5 * coalesce(m.m, 0)""",
        "large_outflow (O ≥ 50,000)": f"""
          SELECT count(*) FROM (SELECT customer_id, -sum(amount) AS o FROM {DEBITS} WHERE day = {d(-1)}
                                GROUP BY customer_id) WHERE o >= 50000""",
        "large_outflow (O ≥ 30% of aum)": f"""
          WITH o AS (SELECT customer_id, -sum(amount) AS o FROM {DEBITS} WHERE day = {d(-1)} GROUP BY customer_id),
               prev AS (SELECT * FROM balances b WHERE as_of = (SELECT max(as_of) FROM balances x
                        WHERE x.customer_id = b.customer_id AND x.as_of < {d(-1)}))
          SELECT count(*) FROM o JOIN prev USING (customer_id)
          WHERE o.o < 50000 AND prev.aum > 0 AND o.o >= 0.3 * prev.aum""",
        "idle_cash": f"""
          SELECT count(*) FROM {LATEST} l
          WHERE l.current >= 50000 AND l.current >= 0.5 * l.aum
            AND NOT EXISTS (SELECT 1 FROM {DEBITS} t WHERE t.customer_id = l.customer_id AND t.kind = 'investment'
                            AND t.day BETWEEN {d(-30)} AND {d(-1)})""",
        "fund_move (cost_nav)": f"""
          WITH latest AS (SELECT product_id, arg_max(nav, as_of) AS nav FROM nav WHERE as_of <= {d(-1)}
                          GROUP BY product_id)
          SELECT count(DISTINCT h.customer_id) FROM holdings h JOIN products p USING (product_id)
          JOIN latest USING (product_id)
          WHERE p.category = 'fund' AND h.cost_nav IS NOT NULL
            AND (latest.nav <= 0.90 * h.cost_nav OR latest.nav >= 1.15 * h.cost_nav)""",
        "fund_move (five observations)": f"""
          WITH obs AS (SELECT product_id, nav, row_number() OVER (PARTITION BY product_id ORDER BY as_of DESC) AS k
                       FROM nav WHERE as_of <= {d(-1)}),
               moved AS (SELECT product_id FROM obs GROUP BY product_id
                         HAVING abs(max(nav) FILTER (WHERE k = 1) / max(nav) FILTER (WHERE k = 5) - 1) >= 0.05)
          SELECT count(DISTINCT h.customer_id) FROM holdings h JOIN products p USING (product_id)
          JOIN moved USING (product_id) WHERE p.category = 'fund'""",
        "tier_up": f"""
          WITH {AVG30}
          SELECT count(*) FROM avg30 WHERE n1 > 0 AND n2 > 0 AND {TIER.format(x='a1')} > {TIER.format(x='a2')}""",
        "aum_drop": f"""
          SELECT count(*) FROM {LATEST} l
          WHERE (SELECT max(aum) FROM balances b WHERE b.customer_id = l.customer_id
                 AND b.as_of BETWEEN l.as_of - 30 AND l.as_of - 1) >= 50000
            AND l.aum <= 0.70 * (SELECT max(aum) FROM balances b WHERE b.customer_id = l.customer_id
                                AND b.as_of BETWEEN l.as_of - 30 AND l.as_of - 1)""",
        "payroll_stopped": f"""
          WITH p AS (SELECT customer_id, CAST(substr(booked_at, 1, 10) AS DATE) AS day FROM transactions
                     WHERE kind = 'payroll' AND amount > 0)
          SELECT count(*) FROM (SELECT customer_id,
                                       count(*) FILTER (WHERE day BETWEEN {d(-120)} AND {d(-36)}) AS before,
                                       count(*) FILTER (WHERE day BETWEEN {d(-35)} AND {d(-1)}) AS recent
                                FROM p GROUP BY customer_id) WHERE before >= 3 AND recent = 0""",
        "risk_assessment_expiring (within 14 days)": f"""
          SELECT count(*) FROM customers WHERE risk_assessed_on + 365 BETWEEN {d(0)} AND {d(14)}""",
        "risk_assessment_expiring (expired, holds wealth or fund)": f"""
          SELECT count(*) FROM customers c WHERE c.risk_assessed_on + 365 < {d(0)}
            AND EXISTS (SELECT 1 FROM holdings h JOIN products p USING (product_id)
                        WHERE h.customer_id = c.customer_id AND p.category IN ('wealth', 'fund'))""",
        "new_customer": f"""
          SELECT count(*) FROM customers c JOIN {LATEST} l USING (customer_id)
          WHERE c.opened_on BETWEEN {d(-7)} AND {d(-1)} AND l.aum >= 50000""",
        "market_shock": f"""
          WITH last2 AS (SELECT close, row_number() OVER (ORDER BY as_of DESC) AS k FROM market
                         WHERE symbol = 'SSE_COMPOSITE' AND as_of <= {d(-1)}),
               shock AS (SELECT abs(max(close) FILTER (WHERE k = 1) / max(close) FILTER (WHERE k = 2) - 1) >= 0.03
                         AS yes FROM last2 WHERE k <= 2)
          SELECT count(DISTINCT h.customer_id) FROM holdings h JOIN products p USING (product_id), shock
          WHERE shock.yes AND p.category = 'fund' AND p.risk_rating >= 'R3'""",
        "no_recent_contact": f"""
          WITH {AVG30}
          SELECT count(*) FROM avg30 a WHERE n1 > 0 AND a1 >= 50000
            AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = a.customer_id
                            AND CAST(substr(k."at", 1, 10) AS DATE) BETWEEN {d(-90)} AND {d(-1)})""",
    }


