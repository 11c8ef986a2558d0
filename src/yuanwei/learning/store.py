"""Learned models on disk, under ``<home>/models/<version>/``, and the models the daily run uses.

Each version folder holds ``meta.json`` (version, trained_at, features, category levels, market
symbols, Platt coefficients, metrics, example counts), ``propensity.txt`` (the LightGBM booster as
text, when a propensity model was trained) and ``calltime.json``. ``LATEST`` names the newest folder;
a folder appears only once complete (written under a temporary name, then renamed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import ibis
import lightgbm as lgb
import numpy as np
import pandas as pd

from yuanwei.learning.calltime import LearnedCallTime
from yuanwei.learning.features import build_features, run_points
from yuanwei.learning.interface import LATEST, CallTime, Propensity
from yuanwei.learning.model import Design, Fitted, apply_platt
from yuanwei.paths import Home

MIN_EXAMPLES = 500  # below this many answered offers the priors stand in (issue 5)


class LearnedPropensity:
    """Implements ``learning.interface.Propensity`` with the stored LightGBM model."""

    def __init__(self, version: str, booster: lgb.Booster, design: Design, platt: tuple[float, float],
                 symbols: list[str], metrics: dict, mode: str = "offers"):
        self.version = version
        self.booster = booster
        self.design = design
        self.platt = platt
        self.symbols = symbols
        self.metrics = metrics
        self.mode = mode

    def features(self, tables: Mapping, day: dt.date, candidates: pd.DataFrame) -> pd.DataFrame:
        points = run_points(day, candidates)
        X = build_features(tables, ibis.memtable(points), symbols=self.symbols, mode=self.mode)
        return X.reindex(points["point_id"])

    def predict(self, tables: Mapping, day: dt.date, candidates: pd.DataFrame) -> np.ndarray:
        if len(candidates) == 0:
            return np.zeros(0)
        X = self.features(tables, day, candidates)
        raw = np.asarray(self.booster.predict(self.design.matrix(X)), dtype=float)
        return np.clip(apply_platt(raw, self.platt), 0.0, 1.0)


def new_version(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return f"lgbm-{now:%Y%m%d-%H%M%S}"


def save(home: Home, version: str, fitted: Fitted | None, symbols: list[str],
         call_time: LearnedCallTime | None, extra: dict) -> Path:
    models = home.models_dir
    models.mkdir(parents=True, exist_ok=True)
    tmp = models / f".{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    meta = {
        "version": version,
        "trained_at": dt.datetime.now().isoformat(timespec="seconds"),
        "min_examples": MIN_EXAMPLES,
        "symbols": symbols,
        **extra,
    }
    if fitted is not None:
        fitted.booster.save_model(str(tmp / "propensity.txt"))
        meta.update({
            "features": fitted.design.columns,
            "categories": fitted.design.categories,
            "platt": list(fitted.platt),
            "metrics": fitted.metrics,
        })
    if call_time is not None:
        (tmp / "calltime.json").write_text(json.dumps({
            "version": call_time.version,
            "hour_rates": {str(h): r for h, r in call_time.hour_rates.items()},
            "metrics": call_time.metrics,
        }, indent=1), encoding="utf-8")
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    final = models / version
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    (models / f".{LATEST}.tmp").write_text(version, encoding="utf-8")
    os.replace(models / f".{LATEST}.tmp", models / LATEST)
    return final


def load_latest(home: Home) -> tuple[Propensity | None, CallTime | None]:
    """The newest stored models; the propensity is None without a model trained on at least
    ``MIN_EXAMPLES`` examples (the priors then stand in), the call time None without one."""
    pointer = home.models_dir / LATEST
    if not pointer.is_file():
        return None, None
    folder = home.models_dir / pointer.read_text(encoding="utf-8").strip()
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    propensity = None
    n = int(meta.get("metrics", {}).get("n_examples", 0))
    if (folder / "propensity.txt").is_file() and n >= MIN_EXAMPLES:
        design = Design(columns=meta["features"], categories=meta["categories"])
        booster = lgb.Booster(model_file=str(folder / "propensity.txt"))
        propensity = LearnedPropensity(meta["version"], booster, design, tuple(meta["platt"]),
                                       meta["symbols"], meta["metrics"], meta.get("mode", "offers"))
    call_time = None
    ct = folder / "calltime.json"
    if ct.is_file():
        d = json.loads(ct.read_text(encoding="utf-8"))
        call_time = LearnedCallTime(version=d["version"],
                                    hour_rates={int(h): float(r) for h, r in d["hour_rates"].items()},
                                    metrics=d.get("metrics", {}))
    return propensity, call_time
