"""Arbitration score = urgency × value × propensity × levers; every factor is kept on the task.

- urgency: the strongest urgency among the task's signals (from the signal rules);
- value: the customer's tier value (``arbitration.tier_value``), × (1 + ``offer_value_bonus``) when
  the task carries a product offer;
- propensity: the model's probability of a positive outcome (priors until one is trained);
- levers: the product of the matching rows of the levers table — a campaign raises priority by a
  row (customer_id or product_id, factor, reason); a product lever applies when the product is
  offered on the task (and puts that product first among the offers).
"""

from __future__ import annotations

import math
from pathlib import Path
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from yuanwei.engine.tasks.config import ArbitrationConfig
from yuanwei.errors import UsageError

LEVER_COLUMNS = ("customer_id", "product_id", "factor", "reason")


@dataclass
class Levers:
    by_customer: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    by_product: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))

    def product_factors(self) -> dict[str, float]:
        return {p: math.prod(f for f, _ in rows) for p, rows in self.by_product.items()}

    def for_task(self, customer_id: str, offers: list[str]) -> tuple[float, list[str]]:
        rows = list(self.by_customer.get(customer_id, ()))
        for pid in offers:
            rows += self.by_product.get(pid, ())
        factor = math.prod(f for f, _ in rows) if rows else 1.0
        return factor, [f"{reason} ×{f:g}" for f, reason in rows]


def read_levers(path: Path) -> pa.Table | None:
    """The levers file (``<home>/config/levers.csv``: customer_id, product_id, factor, reason; UTF-8 with
    a header), or None when there is none. Campaigns raise priority by writing rows here."""
    path = Path(path)
    if not path.exists():
        return None
    opts = pacsv.ConvertOptions(column_types={"customer_id": pa.string(), "product_id": pa.string(),
                                              "factor": pa.string(), "reason": pa.string()},
                                strings_can_be_null=True)
    try:
        return pacsv.read_csv(path, convert_options=opts)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UsageError(f"{path}: cannot read the levers file / 无法读取杠杆文件: {exc}") from None


def parse_levers(table: pa.Table | None, source: str = "levers", first_line: int = 1) -> Levers:
    """Validate a levers table: columns customer_id and/or product_id, factor (> 0), reason.
    Errors name ``source`` and the line (row ``i`` is line ``first_line + i - 1``)."""
    levers = Levers()
    if table is None:
        return levers
    names = set(table.column_names)
    if "factor" not in names or not names & {"customer_id", "product_id"}:
        raise UsageError(f"{source}: needs columns factor and customer_id or product_id / 杠杆表缺少列")
    unit = "line" if first_line > 1 else "row"   # a file's line numbers count its header
    for i, row in enumerate(table.to_pylist(), start=first_line):
        cid, pid = row.get("customer_id"), row.get("product_id")
        try:
            factor = float(row["factor"])
        except (TypeError, ValueError):
            raise UsageError(f"{source}: {unit} {i}: factor {row['factor']!r} is not a number / 系数不是数字") from None
        if not (math.isfinite(factor) and factor > 0):
            raise UsageError(f"{source}: {unit} {i}: factor must be > 0, got {factor:g} / 系数必须大于0")
        if bool(cid) == bool(pid):
            raise UsageError(f"{source}: {unit} {i}: give exactly one of customer_id or product_id / 客户与产品须且仅须填一个")
        reason = row.get("reason") or "杠杆"
        (levers.by_customer[cid] if cid else levers.by_product[pid]).append((factor, reason))
    return levers


def value_of(tier: str | None, has_product_offer: bool, cfg: ArbitrationConfig) -> float:
    v = cfg.tier_value.get(tier or "", cfg.unknown_tier_value)
    return v * (1 + cfg.offer_value_bonus) if has_product_offer else v


def scores(urgency: np.ndarray, value: np.ndarray, propensity: np.ndarray, levers: np.ndarray) -> list[float]:
    """The candidates' scores: urgency × value × propensity × levers rounded to 9 places — the
    product in numpy, left to right as Python would (IEEE doubles: the same bits), rounded by
    Python's ``round`` (numpy's ``round`` can differ in the last bit)."""
    return [round(x, 9) for x in (urgency * value * propensity * levers).tolist()]


def breakdown(urgency: float, value: float, propensity: float, levers: float, total: float) -> str:
    """The zh-CN score line shown on a task."""
    return (f"评分 {total:.4f} = 紧迫度 {urgency:g} × 价值 {value:.2f} × 意向 {propensity:.3f}"
            f" × 杠杆 {levers:.2f}")
