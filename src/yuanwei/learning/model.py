"""The propensity model: LightGBM on the features of ``features.py``, Platt-calibrated, and the
walk-forward evaluation of ``yuanwei learn --evaluate`` with its logistic-regression baseline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from yuanwei.learning.features import CATEGORICAL

# Small trees, strong regularisation: the data is noisy and drifts (campaign regimes), so a
# shallow model refitted often beats a deep one (checked on the UCI walk-forward, docs/learning.md).
# n_jobs=1: on a shared 2-core machine OpenMP threads spinning against other work were slower.
LGBM_PARAMS = dict(
    n_estimators=300, learning_rate=0.03, num_leaves=7, min_child_samples=200,
    subsample=0.8, subsample_freq=1, colsample_bytree=0.4, reg_lambda=20.0,
    verbose=-1, n_jobs=1, random_state=7,
)
CALIBRATION_SHARE = 0.15  # the latest share of examples held out to fit the Platt calibration

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Design:
    """Feature columns and the category levels seen in training (unseen levels → missing)."""

    columns: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def learn(cls, X: pd.DataFrame, columns: list[str]) -> "Design":
        cats = {c: sorted(str(v) for v in X[c].dropna().unique()) for c in columns if c in CATEGORICAL}
        return cls(columns=list(columns), categories=cats)

    def matrix(self, X: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=X.index)
        for c in self.columns:
            if c in self.categories:
                col = X[c] if c in X else pd.Series(None, index=X.index, dtype=object)
                out[c] = pd.Categorical(col.astype(object).where(col.notna(), None), categories=self.categories[c])
            else:
                out[c] = pd.to_numeric(X[c], errors="coerce").astype(float) if c in X else np.nan
        return out


def fit_lgbm(M: pd.DataFrame, y: np.ndarray) -> lgb.LGBMClassifier:
    return lgb.LGBMClassifier(**LGBM_PARAMS).fit(M, y)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Coefficients (a, b) of p = sigmoid(a · logit(raw) + b) fitted on held-out predictions."""
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(raw).reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def apply_platt(raw: np.ndarray, ab: tuple[float, float]) -> np.ndarray:
    a, b = ab
    return 1.0 / (1.0 + np.exp(-(a * _logit(raw) + b)))


def lift_top_decile(y: np.ndarray, score: np.ndarray) -> float:
    """Positive rate among the top 10% scores over the overall positive rate."""
    k = max(1, int(np.ceil(0.1 * len(y))))
    top = np.argsort(-score, kind="stable")[:k]
    base = y.mean()
    return float(y[top].mean() / base) if base > 0 else float("nan")


def baseline_model(design: Design):
    """Logistic regression on the same features (one-hot categories, imputed and scaled numbers)."""
    cats = [c for c in design.columns if design.categories.get(c)]  # levels never seen: nothing to encode
    nums = [c for c in design.columns if c not in design.categories]
    pre = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore", categories=[design.categories[c] for c in cats]), cats),
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                              StandardScaler()), nums),
    ])
    return make_pipeline(pre, LogisticRegression(C=0.5, max_iter=2000))


def _lr_frame(M: pd.DataFrame, design: Design) -> pd.DataFrame:
    out = M.copy()
    for c in design.categories:
        out[c] = out[c].astype(object).where(out[c].notna(), "<none>")
    return out


def walk_forward(X: pd.DataFrame, y: np.ndarray, design: Design, holdout: float, refit_every: int,
                 window: int, progress: Progress = _quiet) -> dict:
    """Predict the latest ``holdout`` share of examples (rows of X in time order), refitting every
    ``refit_every`` examples on the ``window`` examples before; the baseline is refitted alike."""
    n = len(X)
    n_test = int(round(n * holdout))
    start = n - n_test
    if n_test < 10 or start < 10:
        raise ValueError(f"too few examples to evaluate: {n}")
    M = design.matrix(X)
    L = _lr_frame(M, design)
    refits = range(start, n, refit_every)
    with threadpool_limits(limits=1):  # BLAS threads spinning on a busy machine made each LR fit ~20x slower
        return _walk(X, y, M, L, design, start, n_test, refits, refit_every, window, progress)


def _walk(X, y, M, L, design, start, n_test, refits, refit_every, window, progress) -> dict:
    n = len(X)
    pred = np.zeros(n_test)
    base = np.zeros(n_test)
    t0 = time.monotonic()
    n_train = []
    for i, s in enumerate(refits, 1):
        lo, e = max(0, s - window), min(n, s + refit_every)
        n_train.append(s - lo)
        if len(np.unique(y[lo:s])) < 2:
            pred[s - start:e - start] = base[s - start:e - start] = y[lo:s].mean()
            continue
        model = fit_lgbm(M.iloc[lo:s], y[lo:s])
        pred[s - start:e - start] = model.predict_proba(M.iloc[s:e])[:, 1]
        lr = baseline_model(design).fit(L.iloc[lo:s], y[lo:s])
        base[s - start:e - start] = lr.predict_proba(L.iloc[s:e])[:, 1]
        if i == 1 or i % 5 == 0 or i == len(refits):
            progress(f"  评估 / evaluating: refit {i}/{len(refits)} · {e - start:,}/{n_test:,} predicted · "
                     f"{time.monotonic() - t0:.0f}s")
    yt = y[start:]
    return {
        "auc": round(float(roc_auc_score(yt, pred)), 4),
        "lift_top_decile": round(lift_top_decile(yt, pred), 3),
        "n_train": int(max(n_train)),
        "n_test": int(n_test),
        "baseline_auc": round(float(roc_auc_score(yt, base)), 4),
        "baseline_lift_top_decile": round(lift_top_decile(yt, base), 3),
        "positive_rate_test": round(float(yt.mean()), 4),
        "refits": len(refits),
    }


@dataclass
class Fitted:
    booster: lgb.Booster
    design: Design
    platt: tuple[float, float]
    metrics: dict

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        raw = self.booster.predict(self.design.matrix(X))
        return apply_platt(np.asarray(raw, dtype=float), self.platt)


def fit_calibrated(X: pd.DataFrame, y: np.ndarray, design: Design, progress: Progress = _quiet) -> Fitted:
    """Fit on the earlier examples, calibrate (Platt) and measure on the latest ``CALIBRATION_SHARE``,
    then refit on everything with the same settings."""
    M = design.matrix(X)
    n = len(M)
    cut = int(n * (1 - CALIBRATION_SHARE))
    metrics: dict = {"n_examples": int(n), "positive_rate": round(float(y.mean()), 4)}
    ab = (1.0, 0.0)
    if 0 < cut < n and len(np.unique(y[:cut])) == 2 and len(np.unique(y[cut:])) == 2:
        early = fit_lgbm(M.iloc[:cut], y[:cut])
        raw = early.predict_proba(M.iloc[cut:])[:, 1]
        ab = platt(raw, y[cut:])
        cal = apply_platt(raw, ab)
        metrics.update({
            "holdout_n": int(n - cut),
            "holdout_auc": round(float(roc_auc_score(y[cut:], raw)), 4),
            "holdout_lift_top_decile": round(lift_top_decile(y[cut:], raw), 3),
            "holdout_brier_raw": round(float(brier_score_loss(y[cut:], raw)), 5),
            "holdout_brier_calibrated": round(float(brier_score_loss(y[cut:], cal)), 5),
            "holdout_mean_predicted": round(float(cal.mean()), 4),
            "holdout_positive_rate": round(float(y[cut:].mean()), 4),
        })
        progress(f"  校准 / calibration on the latest {n - cut:,}: AUC {metrics['holdout_auc']}, "
                 f"Brier {metrics['holdout_brier_raw']} → {metrics['holdout_brier_calibrated']}")
    final = fit_lgbm(M, y)
    return Fitted(booster=final.booster_, design=design, platt=ab, metrics=metrics)
