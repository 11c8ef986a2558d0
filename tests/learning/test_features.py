"""Features use nothing after the contact's time."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from yuanwei.learning.features import build_features, feature_columns, training_points
from yuanwei.warehouse.db import connect


def _features(home) -> pd.DataFrame:
    con = connect(home.warehouse, read_only=True)
    try:
        b = ibis.duckdb.from_connection(con)
        tables = {n: b.table(n) for n in b.list_tables()}
        return build_features(tables, training_points(tables))
    finally:
        con.close()


def test_changing_the_future_leaves_earlier_features_unchanged(uci_small):
    before = _features(uci_small)
    cutoff = before["at"].sort_values().iloc[len(before) // 2]
    con = connect(uci_small.warehouse)
    try:
        # every later contact flips its outcome and moves 30 minutes earlier (still after the cutoff)
        con.execute("""UPDATE contacts SET outcome = CASE outcome WHEN 'sold' THEN 'refused'
                       WHEN 'refused' THEN 'sold' ELSE 'reached' END,
                       "at" = greatest("at" - INTERVAL 30 MINUTE, ?::TIMESTAMP + INTERVAL 1 SECOND)
                       WHERE "at" > ?""", [cutoff, cutoff])
        con.execute('UPDATE contacts SET at_day = CAST("at" AS DATE)')
        # a new contact one second after the cutoff for every customer, and different market closes
        con.execute("""INSERT INTO contacts SELECT contact_id || '-x', customer_id, staff_id,
                       ?::TIMESTAMP + INTERVAL 1 SECOND, CAST(?::TIMESTAMP AS DATE), 'phone', 'sold',
                       product_id, NULL FROM contacts WHERE "at" <= ?""", [cutoff, cutoff, cutoff])
        con.execute("UPDATE market SET close = close * 2 + 1 WHERE as_of >= CAST(? AS DATE)", [cutoff])
    finally:
        con.close()
    after = _features(uci_small)
    cols = [c for c in before.columns if c in feature_columns([]) or c.startswith("mkt_")]
    early = before.index[before["at"] <= cutoff]
    late = before.index[before["at"] > cutoff].intersection(after.index)
    assert len(early) > 1000
    pd.testing.assert_frame_equal(before.loc[early, cols], after.loc[early, cols], check_dtype=False)
    # the change is visible after the cutoff: the test would see a leak
    changed = [c for c in cols if not before.loc[late, c].equals(after.loc[late, c])]
    assert {"s_rate_1h", "n_prev", "days_since_prev"} <= set(changed)
    assert after.loc[late, "label"].sum() != before.loc[late, "label"].sum()


def test_features_describe_the_source_columns(uci_small):
    X = _features(uci_small).sort_index()
    src = pd.read_csv("/work/shared/data/uci-bank-marketing/bank-additional-full.csv", sep=";", nrows=3000)
    assert list(X.index[:2]) == ["K000001", "K000002"] and len(X) == 3000
    assert (X["age"].to_numpy() == src["age"].to_numpy()).all()
    assert (X["phone_mobile"].to_numpy() == (src["contact"] == "cellular").to_numpy()).all()
    # the campaign's earlier attempts are the customer's contacts of the same product before this one
    assert (X["n_prev_same_product"].to_numpy() == (src["campaign"] - 1).to_numpy()).all()
    assert (X["n_loans"].to_numpy() == ((src["housing"] == "yes") + 0 + (src["loan"] == "yes")).to_numpy()).all()
    assert (X["label"].to_numpy() == (src["y"] == "yes").to_numpy()).all()
    # market closes are those of an earlier day: the first day has none, later days do
    first_day = X["at"].dt.date == dt.date(2008, 5, 5)
    assert X.loc[first_day, "mkt_EURIBOR3M"].isna().all()
    assert np.allclose(X.loc[~first_day, "mkt_EURIBOR3M"], 4.85, atol=0.1)
