"""The run-time features and predictions are the same on DuckDB and on Spark (DESIGN §2)."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from yuanwei.learning.cli import learn
from yuanwei.learning.store import load_latest
from yuanwei.warehouse.backends import close, open_tables


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_predictions_agree_on_duckdb_and_spark(uci_small):
    pytest.importorskip("pyspark")
    learn(uci_small, evaluate=False, holdout=0.2, refit_every=400, window=20_000)
    propensity, call_time = load_latest(uci_small)
    day = dt.date(2008, 5, 21)
    cands = pd.DataFrame({"customer_id": [f"U{i:06d}" for i in range(1, 3001, 75)]})
    cands = cands.assign(rule="idle_cash", persona="salaried", familiarity="C", tier="大众", age=40,
                         category="time_deposit", channel="phone")
    out = {}
    for backend in ("duckdb", "spark"):
        handle, tables = open_tables(uci_small, backend)
        try:
            out[backend] = (propensity.features(tables, day, cands), propensity.predict(tables, day, cands),
                            call_time.windows(tables, day, cands[["customer_id", "persona", "familiarity"]]))
        finally:
            close(handle)
    (xd, pd_, wd), (xs, ps, ws) = out["duckdb"], out["spark"]
    pd.testing.assert_frame_equal(xd, xs, check_dtype=False)
    assert np.allclose(pd_, ps)
    assert wd.tolist() == ws.tolist() and wd.notna().sum() > 10
