"""The rules configuration: every threshold, window and urgency of the signals and features.

Defaults live in ``rules.default.yaml`` beside this module (documented there). A bank overrides any
value in ``home.rules_file`` under the same ``signals:`` / ``features:`` keys; other top-level
sections (``tasks:`` …) belong to other stages and are ignored here. The user's file is validated
against the defaults on load: an unknown key, a wrong type or a value out of range raises
``UsageError`` naming the file, the line, the key path and why — the run does not start.

Types follow the default value: a whole number stays a whole number (``int``); a decimal value is
read as an exact ``Decimal`` (money keys ``*_amount`` with at most 2 decimals); lists keep their
element type. ``cfg.hash`` is the sha256 of the canonical effective configuration and
``cfg.version`` the configuration's version string; both are recorded with each run.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from yuanwei.contract.schema import CONTACT_OUTCOMES, PRODUCT_CATEGORIES, REGIONS, RISK_RATINGS
from yuanwei.errors import UsageError

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.default.yaml")
SECTIONS = ("signals", "features")
PERSONAS = ("business_owner", "retiree", "homemaker", "hk_mo_tw", "salaried", "active_trader")

# keys whose values must come from a closed list
_CHOICES: dict[str, tuple[str, ...]] = {
    "reached_outcomes": CONTACT_OUTCOMES,
    "categories": PRODUCT_CATEGORIES,
    "expired_categories": PRODUCT_CATEGORIES,
    "min_risk_rating": RISK_RATINGS,
    "hk_mo_tw_regions": REGIONS,
    "order": PERSONAS,
}


@dataclass(frozen=True)
class Tier:
    name: str
    min_amount: Decimal


@dataclass(frozen=True)
class RulesConfig:
    """The effective configuration of a run (defaults overridden by the user's file)."""

    signals: Mapping[str, Mapping[str, Any]]
    features: Mapping[str, Any]
    version: str
    hash: str
    source: Path | None = None
    tiers: tuple[Tier, ...] = field(default=())

    def rule(self, name: str) -> Mapping[str, Any]:
        """The parameters of one signal rule."""
        return self.signals[name]

    def enabled(self, name: str) -> bool:
        return bool(self.signals.get(name, {}).get("enabled", False))

    def tier_index(self, name: str) -> int:
        """Position of a tier by name (0 = lowest)."""
        for i, tier in enumerate(self.tiers):
            if tier.name == name:
                return i
        raise KeyError(name)

    def tier_of(self, amount: Decimal | None) -> str | None:
        """The tier of an exact amount (None for None)."""
        if amount is None:
            return None
        name = self.tiers[0].name
        for tier in self.tiers:
            if amount >= tier.min_amount:
                name = tier.name
        return name

    def as_dict(self) -> dict:
        return {"signals": _plain(self.signals), "features": _plain(self.features)}


def _plain(value: Any) -> Any:
    """JSON-ready copy: Decimals as canonical exact strings (60000.00 and 60000 are one value)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _canonical_hash(effective: dict) -> str:
    text = json.dumps(_plain(effective), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# loading and validation

class _Invalid(Exception):
    def __init__(self, path: tuple[str, ...], why: str):
        super().__init__(why)
        self.path = path
        self.why = why


def _to_decimal(value: Any, path: tuple[str, ...]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise _Invalid(path, f"must be a number, got {value!r} / 应为数字")
    try:
        # str() keeps what was written: 0.3 stays 0.3, never 0.29999…
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise _Invalid(path, f"must be a number, got {value!r} / 应为数字") from None
    if not number.is_finite():
        raise _Invalid(path, f"must be a finite number, got {value!r} / 应为有限数字")
    if number < 0:
        raise _Invalid(path, f"must be ≥ 0, got {value!r} / 不能为负数")
    if path[-1].endswith("_amount") and number != number.quantize(Decimal("0.01")):
        raise _Invalid(path, f"money has at most 2 decimals, got {value!r} / 金额最多两位小数")
    return number


def _coerce(default: Any, value: Any, path: tuple[str, ...]) -> Any:
    """``value`` checked against the type of ``default``."""
    key = path[-1]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _Invalid(path, f"must be true or false, got {value!r} / 应为 true 或 false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(path, f"must be a whole number, got {value!r} / 应为整数")
        if value < 0:
            raise _Invalid(path, f"must be ≥ 0, got {value!r} / 不能为负数")
        if key in ("urgency", "expired_urgency") and not 1 <= value <= 5:
            raise _Invalid(path, f"must be between 1 and 5, got {value!r} / 紧急度应为 1–5")
        return value
    if isinstance(default, Decimal):
        return _to_decimal(value, path)
    if isinstance(default, str):
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(path, f"must be a non-empty text, got {value!r} / 应为文本")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise _Invalid(path, f"must be one of {', '.join(_CHOICES[key])}, got {value!r} / 取值无效")
        return value
    if isinstance(default, list):
        if not isinstance(value, list):
            raise _Invalid(path, f"must be a list, got {value!r} / 应为列表")
        if key == "tiers":
            return _coerce_tiers(default, value, path)
        item_default = default[0] if default else ""
        out = [_coerce(item_default, v, path + (f"[{i}]",)) for i, v in enumerate(value)]
        if key in _CHOICES:
            bad = [v for v in out if v not in _CHOICES[key]]
            if bad:
                raise _Invalid(path, f"unknown values {bad}; allowed: {', '.join(_CHOICES[key])} / 取值无效")
        return out
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise _Invalid(path, f"must be a mapping of keys, got {value!r} / 应为键值映射")
        out = copy.deepcopy(default)
        for k, v in value.items():
            if k not in default:
                raise _Invalid(path + (str(k),), f"unknown key (known: {', '.join(default)}) / 未知配置项")
            out[k] = _coerce(default[k], v, path + (str(k),))
        return out
    raise _Invalid(path, f"unsupported value {value!r}")  # pragma: no cover


def _coerce_tiers(default: list, value: list, path: tuple[str, ...]) -> list:
    out = []
    for i, item in enumerate(value):
        p = path + (f"[{i}]",)
        if not isinstance(item, dict) or set(item) != {"name", "min_amount"}:
            raise _Invalid(p, "each tier is {name: …, min_amount: …} / 每个等级需 name 与 min_amount")
        out.append({"name": _coerce("", item["name"], p + ("name",)),
                    "min_amount": _to_decimal(item["min_amount"], p + ("min_amount",))})
    if not out:
        raise _Invalid(path, "at least one tier is needed / 至少需要一个等级")
    amounts = [t["min_amount"] for t in out]
    if amounts != sorted(set(amounts)) or amounts[0] != 0:
        raise _Invalid(path, "min_amount must start at 0 and increase strictly / 起点须为0且严格递增")
    return out


def _decimals(value: Any) -> Any:
    """Defaults: floats written in the YAML become exact Decimals."""
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _line_of(text: str, path: tuple[str, ...]) -> int | None:
    """1-based line of a key path in a YAML document (best effort, for the error message)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and key.startswith("["):
            i = int(key[1:-1])
            if i >= len(node.value):
                return line
            node = node.value[i]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _read_defaults() -> dict:
    return _decimals(yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8")))


def load_rules(path: Path | None = None) -> RulesConfig:
    """The effective rules configuration: defaults, overridden by ``path`` when it exists."""
    defaults = _read_defaults()
    effective = {s: copy.deepcopy(defaults[s]) for s in SECTIONS}
    version = str(defaults["version"])
    source = None
    if path is not None and Path(path).exists():
        source = Path(path)
        text = source.read_text(encoding="utf-8")
        try:
            user = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            raise UsageError(f"{source}{where}: not valid YAML / 配置文件格式错误: "
                             f"{getattr(exc, 'problem', exc)}") from None
        if user is None:
            user = {}
        if not isinstance(user, dict):
            raise UsageError(f"{source}: the top level must be a mapping with signals: and features: "
                             f"/ 顶层应为键值映射")
        try:
            for section in SECTIONS:
                if section in user and user[section] is not None:
                    effective[section] = _coerce(defaults[section], user[section], (section,))
            _check_consistency(effective)
        except _Invalid as exc:
            line = _line_of(text, exc.path)
            where = f":{line}" if line else ""
            key = ".".join(exc.path).replace(".[", "[")
            raise UsageError(f"{source}{where}: {key}: {exc.why}") from None
        if user.get("version") is not None:
            version = str(user["version"])
    tiers = tuple(Tier(t["name"], t["min_amount"]) for t in effective["features"]["tiers"])
    return RulesConfig(signals=effective["signals"], features=effective["features"], version=version,
                       hash=_canonical_hash(effective), source=source, tiers=tiers)


def _check_consistency(effective: dict) -> None:
    """Cross-key checks the per-value types cannot express."""
    names = [t["name"] for t in effective["features"]["tiers"]]
    for rule in ("new_customer", "no_recent_contact"):
        if effective["signals"][rule]["min_tier"] not in names:
            raise _Invalid(("signals", rule, "min_tier"),
                           f"unknown tier (tiers: {', '.join(names)}) / 未知等级")
    pay = effective["signals"]["payroll_stopped"]
    if pay["history_days"] <= pay["silent_days"]:
        raise _Invalid(("signals", "payroll_stopped", "history_days"),
                       "must be greater than silent_days / 应大于 silent_days")
    if effective["signals"]["fund_move"]["observations"] < 2:
        raise _Invalid(("signals", "fund_move", "observations"), "must be at least 2 / 至少为2")
    for key in ("baseline_days",):
        if effective["signals"]["large_inflow"][key] < 1:
            raise _Invalid(("signals", "large_inflow", key), "must be at least 1 / 至少为1")
