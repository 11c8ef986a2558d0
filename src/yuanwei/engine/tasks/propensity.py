"""Propensity of a positive outcome (interested, appointment, sold) for each candidate.

``PriorPropensity`` stands in until a model is trained: a prior per strongest rule (``by_rule``),
times multipliers by persona and familiarity, from the ``propensity:`` section of the configuration.
``load_propensity`` returns the learned model when ``yuanwei.learning.store.load_latest`` has one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from yuanwei.engine.tasks.config import PropensityConfig, WindowsConfig
from yuanwei.engine.tasks.windows import HistoryCallTime
from yuanwei.learning.interface import LATEST, CallTime, Propensity
from yuanwei.paths import Home


class PriorPropensity:
    """Priors per signal and persona (version ``prior-1``); implements ``learning.interface.Propensity``."""

    def __init__(self, cfg: PropensityConfig):
        self.cfg = cfg
        self.version = cfg.version

    def predict(self, tables: Mapping, day: dt.date, candidates: pd.DataFrame) -> np.ndarray:
        c = self.cfg
        # a mapping, not a function: looked up in one hashed pass (10⁵ candidates a day)
        base = candidates["rule"].map(c.by_rule).astype(float).fillna(c.default)
        persona = candidates["persona"].map(c.persona).astype(float).fillna(1.0)
        fam = candidates["familiarity"].map(c.familiarity).astype(float).fillna(1.0)
        return np.clip((base * persona * fam).to_numpy(), 0.0, 1.0)


def _learned(home: Home | None) -> tuple[Propensity | None, CallTime | None]:
    """The latest learned models, or (None, None) while learning is absent or has too little history."""
    if home is None:
        return None, None
    if not (home.models_dir / LATEST).is_file():  # nothing learned yet: skip importing LightGBM
        return None, None
    try:
        from yuanwei.learning.store import load_latest
    except ImportError:
        return None, None
    found = load_latest(home)
    if not found:
        return None, None
    propensity, call_time = found
    return propensity, call_time


def _cfg(home: Home | None):
    from yuanwei.engine.tasks.config import load_tasks_config

    return load_tasks_config(home.rules_file if home is not None else None)


def load_propensity(home: Home | None, cfg: PropensityConfig | None = None) -> Propensity:
    """The learned propensity model, else ``PriorPropensity`` (its ``version`` goes on every task)."""
    propensity, _ = _learned(home)
    if propensity is not None:
        return propensity
    return PriorPropensity(cfg or _cfg(home).propensity)


def load_call_time(home: Home | None, cfg: WindowsConfig | None = None) -> CallTime:
    """The learned call-time model, else ``HistoryCallTime`` (best reach-rate hour from past calls)."""
    _, call_time = _learned(home)
    if call_time is not None:
        return call_time
    return HistoryCallTime(cfg or _cfg(home).windows)
