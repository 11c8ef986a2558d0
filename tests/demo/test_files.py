"""The generated files keep the data contract: columns, keys, references, formats, balances."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from yuanwei.contract.schema import TABLES

from .conftest import END


def test_every_contract_table_is_written_with_exactly_its_columns(bank_dir):
    folder, counts = bank_dir
    assert set(counts) == set(TABLES)
    for name, table in TABLES.items():
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert tuple(header) == table.column_names, name
        assert counts[name] > 0, name


@pytest.mark.parametrize("name", list(TABLES))
def test_keys_are_unique(bank, name):
    key = ", ".join(TABLES[name].key)
    dupes = bank.execute(f"SELECT count(*) FROM (SELECT {key} FROM {name} GROUP BY {key} HAVING count(*) > 1)")
    assert dupes.fetchone()[0] == 0


REFERENCES = [(t.name, c.name, *c.references) for t in TABLES.values() for c in t.columns if c.references]
# not declared in the contract, but a demo bank should hold them too
REFERENCES += [("contacts", "staff_id", "staff", "staff_id"), ("channel_plans", "staff_id", "staff", "staff_id"),
               ("customers", "employer_id", "employers", "employer_id"),
               ("contacts", "product_id", "products", "product_id")]


@pytest.mark.parametrize("table,column,ref_table,ref_column", REFERENCES)
def test_references_hold(bank, table, column, ref_table, ref_column):
    missing = bank.execute(f"""SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL
                               AND t.{column} NOT IN (SELECT {ref_column} FROM {ref_table})""").fetchone()[0]
    assert missing == 0


def test_transactions_book_on_an_account_of_the_same_customer(bank):
    wrong = bank.execute("""SELECT count(*) FROM transactions t JOIN accounts a USING (account_id)
                            WHERE a.customer_id <> t.customer_id OR a.kind <> 'current'""").fetchone()[0]
    assert wrong == 0


def test_required_columns_are_filled_and_enums_hold(bank):
    for name, table in TABLES.items():
        for c in table.columns:
            if c.required:
                assert bank.execute(f"SELECT count(*) FROM {name} WHERE \"{c.name}\" IS NULL").fetchone()[0] == 0, \
                    f"{name}.{c.name}"
            if c.choices:
                values = {r[0] for r in bank.execute(f"SELECT DISTINCT \"{c.name}\" FROM {name}").fetchall()}
                assert values - {None} <= set(c.choices), f"{name}.{c.name}"


def _text_columns(folder, table, kinds):
    cols = [c.name for c in TABLES[table].columns if c.kind in kinds]
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for c in cols:
                yield c, row[c]


def test_money_has_two_decimals_and_dates_and_timestamps_their_format(bank_dir):
    folder, _ = bank_dir
    money = re.compile(r"-?\d+\.\d\d")
    date = re.compile(r"\d{4}-\d\d-\d\d")
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")
    for name in TABLES:
        for col, value in _text_columns(folder, name, ("money", "date", "timestamp")):
            if value == "":
                continue
            kind = TABLES[name].column(col).kind
            pattern = {"money": money, "date": date, "timestamp": stamp}[kind]
            assert pattern.fullmatch(value), f"{name}.{col}: {value!r}"


def test_ids_keep_their_leading_zeros(bank_dir):
    folder, _ = bank_dir
    with open(folder / "customers.csv", encoding="utf-8", newline="") as f:
        first = next(csv.DictReader(f))
    assert first["customer_id"] == "C00000001"


def test_balances_cover_the_last_60_days_and_components_sum_to_aum(bank):
    lo, hi, bad = bank.execute("""SELECT min(as_of), max(as_of),
                                         count(*) FILTER (WHERE current + time_deposit + investments <> aum
                                                          OR current < 0 OR time_deposit < 0 OR investments < 0)
                                  FROM balances""").fetchone()
    assert (lo, hi, bad) == (END - dt.timedelta(days=59), END, 0)


def test_current_balance_moves_by_the_days_transactions(bank):
    # current(t) − current(t−1) = the day's transactions, for every customer and day of the window
    wrong = bank.execute("""
        WITH flows AS (SELECT customer_id, CAST(substr(booked_at, 1, 10) AS DATE) AS day, sum(amount) AS net
                       FROM transactions GROUP BY ALL),
             steps AS (SELECT customer_id, as_of, current - lag(current) OVER (PARTITION BY customer_id
                                                                             ORDER BY as_of) AS step
                       FROM balances)
        SELECT count(*) FROM steps s LEFT JOIN flows f ON f.customer_id = s.customer_id AND f.day = s.as_of
        WHERE s.step IS NOT NULL AND s.step <> coalesce(f.net, 0)""").fetchone()[0]
    assert wrong == 0


def test_holdings_are_open_after_end_and_funds_carry_units_and_cost(bank):
    rows = bank.execute(f"""SELECT count(*) FILTER (WHERE h.matures_on <= DATE '{END}'),
                                   count(*) FILTER (WHERE p.category = 'fund' AND (h.units IS NULL OR h.cost_nav IS NULL)),
                                   count(*) FILTER (WHERE h.bought_on > DATE '{END}')
                            FROM holdings h JOIN products p USING (product_id)""").fetchone()
    assert rows == (0, 0, 0)


def test_only_customers_have_activity_after_they_opened(bank):
    early = bank.execute("""SELECT count(*) FROM transactions t JOIN customers c USING (customer_id)
                            WHERE CAST(substr(t.booked_at, 1, 10) AS DATE) < c.opened_on""").fetchone()[0]
    assert early == 0
    early = bank.execute("""SELECT count(*) FROM balances b JOIN customers c USING (customer_id)
                            WHERE b.as_of < c.opened_on""").fetchone()[0]
    assert early == 0


def test_the_last_snapshot_matches_the_holdings(bank):
    # on end, time_deposit is the open deposits and certificates, investments every other holding
    wrong = bank.execute(f"""
        WITH h AS (SELECT h.customer_id,
                          sum(h.amount) FILTER (WHERE p.category IN ('time_deposit', 'certificate')) AS td,
                          sum(h.amount) FILTER (WHERE p.category NOT IN ('time_deposit', 'certificate')) AS inv
                   FROM holdings h JOIN products p USING (product_id) GROUP BY ALL)
        SELECT count(*) FROM balances b LEFT JOIN h USING (customer_id)
        WHERE b.as_of = DATE '{END}' AND (b.time_deposit <> coalesce(h.td, 0) OR b.investments <> coalesce(h.inv, 0))
    """).fetchone()[0]
    assert wrong == 0


def test_holdings_were_bought_while_their_product_was_on_sale(bank):
    wrong = bank.execute("""SELECT count(*) FROM holdings h JOIN products p USING (product_id)
                            WHERE h.bought_on < p.sale_start OR h.bought_on > coalesce(p.sale_end, h.bought_on)""")
    assert wrong.fetchone()[0] == 0
