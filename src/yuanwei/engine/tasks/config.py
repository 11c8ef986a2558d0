"""Configuration of the tasks stage: ``defaults.yaml`` overridden by the ``tasks:`` section of the
user's rules file (``home.rules_file``). Other top-level sections belong to other stages.

Validation uses pydantic models (unknown keys are refused); a bad value raises ``UsageError`` naming
the file, the key path (``tasks.policy.pressure_short_days``) and why.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yuanwei.contract.schema import FOUR_BASIC_PRODUCTS, PRODUCT_CATEGORIES, RISK_RATINGS
from yuanwei.errors import UsageError

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")
SECTION = "tasks"
PURPOSES = ("service", "care", "marketing")
TIERS = ("大众", "金卡", "财富", "钻石", "私行")
PERSONAS = ("business_owner", "retiree", "homemaker", "hk_mo_tw", "salaried", "active_trader", "other")
FAMILIARITY = ("A", "B", "C")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def _signal_rules() -> tuple[str, ...] | None:
    """The registered signal rules (None while the signals package cannot be imported)."""
    try:
        from yuanwei.engine.signals import RULES
    except ImportError:
        return None
    return tuple(RULES)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_window(value: str) -> str:
    if not _WINDOW.match(value) or value[:5] >= value[6:]:
        raise ValueError(f"'{value}' is not a window HH:MM-HH:MM with start < end")
    return value


class RuleOffers(_Strict):
    # product categories, or "same_as_maturing" (the maturing holding's category)
    categories: list[str] | Literal["same_as_maturing"] = Field(default_factory=list)
    also: list[str] = Field(default_factory=list)          # extra categories beside same_as_maturing
    max_wealth_risk: str | None = None                     # cap on wealth products' rating for this rule
    services: bool = False                                 # offer the four basic products it lacks

    @field_validator("categories", "also")
    @classmethod
    def _categories(cls, v):
        if isinstance(v, list):
            bad = [c for c in v if c not in PRODUCT_CATEGORIES]
            if bad:
                raise ValueError(f"unknown product category {bad[0]!r} (one of {', '.join(PRODUCT_CATEGORIES)})")
        return v

    @field_validator("max_wealth_risk")
    @classmethod
    def _risk(cls, v):
        if v is not None and v not in RISK_RATINGS:
            raise ValueError(f"{v!r} is not a risk rating R1–R5")
        return v


class OffersConfig(_Strict):
    by_rule: dict[str, RuleOffers]
    max_offers: int = Field(ge=0, le=20)
    cross_sell_on_marketing: bool
    no_push_rules: list[str]
    max_cross_sell: int = Field(ge=0, le=len(FOUR_BASIC_PRODUCTS))
    assessment_valid_days: int = Field(ge=1)
    unassessed_categories: list[str]
    elderly_age: int = Field(ge=0, le=150)
    elderly_max_risk: str

    @field_validator("unassessed_categories")
    @classmethod
    def _cats(cls, v):
        return RuleOffers._categories(v)

    @field_validator("elderly_max_risk")
    @classmethod
    def _risk(cls, v):
        return RuleOffers._risk(v)


class PolicyConfig(_Strict):
    pressure_short_days: int = Field(ge=1)
    pressure_short_max: int = Field(ge=1)
    pressure_long_days: int = Field(ge=1)
    pressure_long_max: int = Field(ge=1)
    refusal_days: int = Field(ge=0)
    own_plan_channel: str

    @model_validator(mode="after")
    def _windows(self):
        if self.pressure_long_days < self.pressure_short_days:
            raise ValueError("pressure_long_days must be ≥ pressure_short_days")
        return self


class ArbitrationConfig(_Strict):
    tier_value: dict[str, float]
    unknown_tier_value: float = Field(gt=0)
    offer_value_bonus: float = Field(ge=0)

    @field_validator("tier_value")
    @classmethod
    def _tiers(cls, v):
        for k, x in v.items():
            if k not in TIERS:
                raise ValueError(f"unknown tier {k!r} (one of {', '.join(TIERS)})")
            if not x > 0:
                raise ValueError(f"value of tier {k} must be > 0, got {x}")
        return v


class CapacityConfig(_Strict):
    default_daily_capacity: int = Field(ge=0)
    min_daily_target: int = Field(ge=0)
    carry_over: bool
    carry_over_lookback_days: int = Field(ge=1)


class WindowsConfig(_Strict):
    unfamiliar: list[str] = Field(min_length=1)
    persona: dict[str, str]
    history_min_attempts: int = Field(ge=1)
    history_days: int = Field(ge=1)

    @field_validator("unfamiliar")
    @classmethod
    def _w(cls, v):
        return [_check_window(x) for x in v]

    @field_validator("persona")
    @classmethod
    def _p(cls, v):
        return {k: _check_window(x) for k, x in v.items()}


class PropensityConfig(_Strict):
    version: str
    by_rule: dict[str, float]
    default: float = Field(ge=0, le=1)
    persona: dict[str, float]
    familiarity: dict[str, float]

    @field_validator("by_rule")
    @classmethod
    def _probs(cls, v):
        for k, x in v.items():
            if not 0 <= x <= 1:
                raise ValueError(f"prior of {k} must be within 0…1, got {x}")
        return v

    @field_validator("persona", "familiarity")
    @classmethod
    def _mult(cls, v):
        for k, x in v.items():
            if not x > 0:
                raise ValueError(f"multiplier of {k} must be > 0, got {x}")
        return v


class TasksConfig(_Strict):
    version: str
    purposes: dict[str, str]
    purpose_precedence: list[str]
    offers: OffersConfig
    policy: PolicyConfig
    arbitration: ArbitrationConfig
    capacity: CapacityConfig
    windows: WindowsConfig
    propensity: PropensityConfig

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, v):
        for k, x in v.items():
            if x not in PURPOSES:
                raise ValueError(f"purpose of {k} must be one of {', '.join(PURPOSES)}, got {x!r}")
        return v

    @field_validator("purpose_precedence")
    @classmethod
    def _precedence(cls, v):
        if sorted(v) != sorted(PURPOSES):
            raise ValueError(f"must list each of {', '.join(PURPOSES)} once")
        return v

    @model_validator(mode="after")
    def _known_names(self):
        """A misspelt rule, persona or familiarity would silently do nothing: refuse it."""
        rules = _signal_rules()
        checks = [("purposes", self.purposes, rules), ("offers.by_rule", self.offers.by_rule, rules),
                  ("offers.no_push_rules", self.offers.no_push_rules, rules),
                  ("propensity.by_rule", self.propensity.by_rule, rules),
                  ("propensity.persona", self.propensity.persona, PERSONAS),
                  ("windows.persona", self.windows.persona, PERSONAS),
                  ("propensity.familiarity", self.propensity.familiarity, FAMILIARITY)]
        for where, names, known in checks:
            if known is None:
                continue
            for name in names:
                if name not in known:
                    raise ValueError(f"{where}.{name}: unknown name / 未知名称 (one of {', '.join(known)})")
        return self

    def purpose_of(self, rule: str) -> str:
        return self.purposes.get(rule, "marketing")

    @property
    def hash(self) -> str:
        blob = json.dumps(self.model_dump(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise UsageError(f"{path}{where}: not valid YAML / YAML 格式错误: {getattr(exc, 'problem', exc)}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read / 无法读取: {exc.strerror}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping at the top level / 顶层应为键值映射")
    return data


def load_tasks_config(path: Path | None = None, override: dict | None = None) -> TasksConfig:
    """The effective configuration: defaults, then the ``tasks:`` section of ``path`` (may be absent),
    then ``override`` (a dict shaped like the section; used by tests and the backtest)."""
    defaults = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    merged, source = defaults, str(DEFAULTS_FILE)
    if path is not None and Path(path).exists():
        section = _read_yaml(Path(path)).get(SECTION)
        if section is not None:
            if not isinstance(section, dict):
                raise UsageError(f"{path}: key '{SECTION}' must be a mapping / 应为键值映射")
            merged, source = _merge(merged, section), str(path)
    if override:
        merged = _merge(merged, override)
        source = source if path else "override"
    try:
        return TasksConfig.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in (SECTION, *err["loc"]))
        why = err["msg"].removeprefix("Value error, ")
        nested = re.match(r"^([\w.]+): (.*)$", why, re.S) if not err["loc"] else None
        if nested:  # a whole-config check names its own key path
            key, why = f"{SECTION}.{nested.group(1)}", nested.group(2)
        if err["type"] == "extra_forbidden":
            why = "unknown key / 未知配置项"
        raise UsageError(f"{source}: {key}: {why} (配置无效)") from None
