"""``yuanwei learn [--evaluate]``: train the propensity and call-time models from the warehouse.

Reads the contract tables from the DuckDB warehouse (read-only), computes each example contact's
features as of its own time, fits and stores the models (``store.py``), and with ``evaluate``
measures the walk-forward protocol of issue 5 and prints its JSON as the last line.
"""

from __future__ import annotations

import json
import time

import click
import ibis
import numpy as np

from yuanwei.errors import UsageError
from yuanwei.learning.calltime import fit_call_time
from yuanwei.learning.features import build_features, choose_mode, feature_columns, training_points
from yuanwei.learning.model import Design, fit_calibrated, walk_forward
from yuanwei.learning.store import MIN_EXAMPLES, new_version, save
from yuanwei.paths import Home
from yuanwei.warehouse.db import connect



MIN_USEFUL_AUC = 0.55  # below this on the held-out contacts a propensity model is not used

def _say(msg: str) -> None:
    click.echo(msg, err=False)


def open_tables(home: Home):
    if not home.warehouse.exists():
        raise UsageError(f"{home.warehouse}: no warehouse; run `yuanwei ingest DIR` first / 仓库不存在，请先导入数据")
    con = connect(home.warehouse, read_only=True)
    backend = ibis.duckdb.from_connection(con)
    return con, {name: backend.table(name) for name in backend.list_tables()}


def training_set(tables, mode: str = "offers"):
    """Features of every example contact in time order, and the market symbols seen."""
    X = build_features(tables, training_points(tables, mode), mode=mode)
    X = X.sort_values("at", kind="stable")
    symbols = sorted(c[4:] for c in X.columns if c.startswith("mkt_") and not c.endswith("_chg30"))
    return X, symbols


def learn(home: Home, evaluate: bool, holdout: float, refit_every: int, window: int) -> None:
    t0 = time.monotonic()
    con, tables = open_tables(home)
    try:
        n_contacts = tables["contacts"].count().execute()
        if n_contacts == 0:
            raise UsageError("no contacts in the warehouse; ingest contacts.csv first / 仓库中没有联系记录")
        _say(f"读取 / reading: {n_contacts:,} contacts in {home.warehouse}")
        mode = choose_mode(tables)
        X, symbols = training_set(tables, mode)
        if mode == "answered" and len(X):
            _say("说明 / note: fewer than 50 negative outcomes carry a product (offers recorded only on "
                 "success?): every answered contact is an example / 产品只记录在成功结果上，改用全部接通的联系")
        y = X["label"].to_numpy(dtype=int)
        kind = "answered offers" if mode == "offers" else "answered contacts"
        _say(f"特征 / features: {len(X):,} examples ({kind}) × {len(feature_columns(symbols))} features, "
             f"positive rate {y.mean() if len(y) else 0:.3f} · {time.monotonic() - t0:.0f}s")
        version = new_version()
        design = Design.learn(X, feature_columns(symbols))
        fitted = None
        if len(X) >= MIN_EXAMPLES and len(np.unique(y)) == 2:
            recent = slice(max(0, len(X) - window), len(X))
            _say(f"训练 / training propensity on the latest {recent.stop - recent.start:,} examples …")
            fitted = fit_calibrated(X.iloc[recent], y[recent], design, progress=_say)
            auc = fitted.metrics.get("holdout_auc")
            if auc is not None and auc < MIN_USEFUL_AUC:
                # a model no better than chance would only shuffle the list: keep the priors
                _say(f"留出样本 AUC {auc} < {MIN_USEFUL_AUC}：模型不优于随机，不启用，继续使用先验 / "
                     f"not better than chance on the held-out contacts: the priors stay in use")
                fitted = None
        else:
            _say(f"样本不足 / only {len(X):,} examples (< {MIN_EXAMPLES}) or one outcome only: "
                 f"no propensity model; the priors stay in use")
        call_time = fit_call_time(tables["contacts"], version)
        if call_time is not None:
            _say(f"接通时段 / call time: {call_time.metrics['phone_attempts']:,} phone attempts, "
                 f"{call_time.metrics['reached']:,} reached")
        folder = save(home, version, fitted, symbols, call_time, {"n_contacts": int(n_contacts), "mode": mode})
        _say(f"已保存 / saved {version} → {folder} · {time.monotonic() - t0:.0f}s")
        if evaluate:
            if len(X) < 2 * refit_every or len(np.unique(y)) < 2:
                raise UsageError(f"too few examples to evaluate: {len(X):,} / 样本太少，无法评估")
            _say(f"评估 / walk-forward: latest {holdout:.0%} of examples, refit every {refit_every:,} "
                 f"on the {window:,} before")
            result = walk_forward(X, y, design, holdout, refit_every, window, progress=_say)
            _say(f"完成 / done in {time.monotonic() - t0:.0f}s")
            click.echo(json.dumps(result, ensure_ascii=False))
    finally:
        con.close()
