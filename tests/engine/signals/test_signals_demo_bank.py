"""compute_signals agrees with an independent reading of DESIGN §4 on the generated demo bank.

The reference is ``tests/demo/signal_queries.py``: plain DuckDB SQL written from the rule texts by
the demo generator's author, counting customers per rule (and per branch). Our Ibis rules, run on
the same files loaded as a warehouse (timestamps → wall-clock + ``_day``), must count the same.
D = 27 Feb 2027, so D…D+2 holds a non-leap 28 Feb.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import ibis
import pytest

from yuanwei.contract.schema import TABLES
from yuanwei.engine.rules import load_rules
from yuanwei.engine.signals import RULES, compute_signals

pytestmark = pytest.mark.slow

END = dt.date(2027, 2, 26)
D = END + dt.timedelta(days=1)


def _csv_types(table) -> dict[str, str]:
    return {c.name: ("VARCHAR" if c.kind in ("id", "str", "enum", "timestamp") else c.sql_type) for c in table.columns}


@pytest.fixture(scope="module")
def demo_bank(tmp_path_factory):
    from yuanwei.demo.generate import write_demo_bank

    out = tmp_path_factory.mktemp("demo-bank-signals")
    write_demo_bank(out, customers=1_000, days=365, seed=11, fmt="csv", end=END, progress=False)
    con = ibis.duckdb.connect()
    raw = con.con  # the DuckDB connection underneath: views over the raw files for the reference SQL
    for name, table in TABLES.items():
        src = f"read_csv('{out}/{name}.csv', header=true, columns={_csv_types(table)!r})"
        raw.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {src}')
        cols = []
        for c in table.columns:
            if c.kind == "timestamp":  # every value carries +08:00: its first 19/10 characters are Shanghai time
                cols += [f'CAST(substr("{c.name}", 1, 19) AS TIMESTAMP) AS "{c.name}"',
                         f'CAST(substr("{c.name}", 1, 10) AS DATE) AS "{c.name}_day"']
            else:
                cols.append(f'"{c.name}"')
        raw.execute(f'CREATE TABLE "wh_{name}" AS SELECT {", ".join(cols)} FROM {src}')
    return con, raw


def test_every_rule_counts_the_same_customers_as_the_reference_sql(demo_bank):
    from demo.signal_queries import count, queries  # tests/ is on sys.path (rootdir conftest)

    con, raw = demo_bank
    tables = {name: con.table(f"wh_{name}") for name in TABLES}
    signals = compute_signals(tables, D, load_rules(None))
    mine: dict[str, set] = defaultdict(set)
    for cid, rule in zip(signals.column("customer_id").to_pylist(), signals.column("rule").to_pylist()):
        mine[rule].add(cid)
    ref = {name: count(raw, sql) for name, sql in queries(D).items()}
    expected = {}
    for name, n in ref.items():
        rule = name.split(" (")[0]
        expected.setdefault(rule, []).append(n)
    assert set(expected) == set(RULES)
    for rule, branches in expected.items():
        got = len(mine[rule])
        if rule == "fund_move":  # its two branches may hold the same customer
            assert max(branches) <= got <= sum(branches), (rule, got, branches)
        else:  # single rules, and two-branch rules whose reference branches are disjoint
            assert got == sum(branches), (rule, got, branches)
        assert got >= 2, rule  # the demo plants every rule
