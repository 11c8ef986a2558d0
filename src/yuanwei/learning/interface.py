"""How the daily run (engine) uses learned models, without knowing how they were trained.

The tasks stage asks a ``Propensity`` for the probability of a positive outcome (interested,
appointment, sold) of contacting each candidate today, and a ``CallTime`` for each customer's best
call window. Until a model is trained (or with too little history), priors per signal and persona
stand in through the same interface (``yuanwei.engine.tasks.propensity.PriorPropensity``), so a
learned model drops in without changing the tasks code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

# the file in <home>/models that names the newest stored models (written by learning.store)
LATEST = "LATEST"


@runtime_checkable
class Propensity(Protocol):
    version: str  # shown on tasks, e.g. "prior-1" or "lgbm-20261130-0001"

    def predict(self, tables: Mapping, day: dt.date, candidates: pd.DataFrame) -> np.ndarray:
        """Probability in [0, 1] per candidate row.

        ``tables``: contract-table name → ibis Table on the run's backend (data beyond D−1 must be
        ignored by the model's features). ``candidates`` has at least: customer_id, rule (the
        strongest signal), persona, familiarity, tier, age, category (offered product category or ''),
        channel ('phone').
        """
        ...


@runtime_checkable
class CallTime(Protocol):
    version: str

    def windows(self, tables: Mapping, day: dt.date, customers: pd.DataFrame) -> pd.Series:
        """Best call window 'HH:MM-HH:MM' per row of ``customers`` (columns customer_id, persona,
        familiarity), indexed like ``customers``; None where the model has nothing to say (the caller
        then uses persona defaults)."""
        ...
