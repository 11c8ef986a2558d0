"""The rules configuration: defaults, overrides, validation messages, version and hash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from yuanwei.engine.rules import DEFAULT_RULES_FILE, load_rules
from yuanwei.engine.signals import RULES, compute_signals
from yuanwei.errors import UsageError


def write(tmp_path, text: str):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_loads_the_defaults_of_design_section_4():
    cfg = load_rules(None)
    assert set(cfg.signals) == set(RULES)  # every registered rule has defaults, and nothing else
    inflow = cfg.rule("large_inflow")
    assert inflow["min_amount"] == Decimal("50000.00") and inflow["multiple"] == Decimal(5)
    assert inflow["baseline_days"] == 90 and isinstance(inflow["baseline_days"], int)
    assert cfg.rule("large_outflow")["aum_share"] == Decimal("0.30")
    assert [(t.name, t.min_amount) for t in cfg.tiers] == [
        ("大众", 0), ("金卡", 50000), ("财富", 500000), ("钻石", 5000000), ("私行", 10000000)]
    assert cfg.tier_of(Decimal("49999.99")) == "大众" and cfg.tier_of(Decimal("50000.00")) == "金卡"
    assert cfg.tier_of(Decimal("10000000.00")) == "私行"
    assert cfg.version == str(yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))["version"])
    assert len(cfg.hash) == 64 and cfg.source is None


def test_a_missing_user_file_means_defaults(tmp_path):
    assert load_rules(tmp_path / "absent.yaml").hash == load_rules(None).hash


def test_it_overrides_signals_and_features_and_ignores_other_sections(tmp_path):
    path = write(tmp_path, """
version: bank-2026-q4
tasks:
  capacity: {daily: 25}          # the task stage's section: not ours
signals:
  large_inflow:
    min_amount: 80000.50
    multiple: 4
  birthday:
    enabled: false
features:
  familiarity:
    a_min_reached: 4
""")
    cfg = load_rules(path)
    assert cfg.rule("large_inflow")["min_amount"] == Decimal("80000.50")
    assert cfg.rule("large_inflow")["multiple"] == Decimal(4)
    assert cfg.rule("large_inflow")["relative_min_amount"] == Decimal("10000.00")  # untouched default
    assert not cfg.enabled("birthday") and cfg.enabled("maturity")
    assert cfg.features["familiarity"]["a_min_reached"] == 4
    assert cfg.features["familiarity"]["b_days"] == 365
    assert cfg.version == "bank-2026-q4" and cfg.source == path
    assert cfg.hash != load_rules(None).hash


def test_the_hash_is_canonical(tmp_path):
    a = load_rules(write(tmp_path, "signals:\n  idle_cash: {min_amount: 60000, aum_share: 0.5}\n"))
    b = load_rules(write(tmp_path, "signals:\n  idle_cash:\n    aum_share: 0.50\n    min_amount: 60000.00\n"))
    assert a.hash == b.hash  # same effective values, written differently
    assert a.hash != load_rules(None).hash


@pytest.mark.parametrize("text, message", [
    ("signals:\n  large_inflow:\n    min_amount: abc\n",
     "rules.yaml:3: signals.large_inflow.min_amount: must be a number"),
    ("signals:\n  large_inflow:\n    min_amount: 100.001\n",
     "signals.large_inflow.min_amount: money has at most 2 decimals"),
    ("signals:\n  large_outflow:\n    aum_share: -0.3\n", "signals.large_outflow.aum_share: must be ≥ 0"),
    ("signals:\n  large_inflow:\n    baseline_days: 90.5\n",
     "signals.large_inflow.baseline_days: must be a whole number"),
    ("signals:\n  birthday:\n    urgency: 9\n", "signals.birthday.urgency: must be between 1 and 5"),
    ("signals:\n  birthday:\n    enabled: maybe\n", "signals.birthday.enabled: must be true or false"),
    ("signals:\n  birthday:\n    days_befor: 3\n", "signals.birthday.days_befor: unknown key"),
    ("signals:\n  no_such_rule: {}\n", "signals.no_such_rule: unknown key"),
    ("signals:\n  market_shock:\n    min_risk_rating: R9\n", "signals.market_shock.min_risk_rating: must be one of"),
    ("signals:\n  fund_move:\n    categories: [fund, stocks]\n", "signals.fund_move.categories: unknown values"),
    ("signals:\n  new_customer:\n    min_tier: 白金\n", "signals.new_customer.min_tier: unknown tier"),
    ("signals:\n  payroll_stopped:\n    history_days: 30\n", "signals.payroll_stopped.history_days: must be greater"),
    ("features:\n  tiers:\n    - {name: 大众, min_amount: 0}\n    - {name: 金卡, min_amount: 0}\n",
     "features.tiers: min_amount must start at 0 and increase strictly"),
    ("features:\n  persona:\n    order: [retiree, astronaut]\n", "features.persona.order: unknown values"),
    ("signals: [1, 2]\n", "signals: must be a mapping"),
    ("signals:\n  birthday: {urgency: 2\n", "not valid YAML"),
])
def test_it_rejects_bad_values_naming_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as err:
        load_rules(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_a_disabled_rule_fires_nothing(tmp_path, duckdb_backend):
    from engine_rows import customer

    tables = duckdb_backend.tables(customers=[customer("C1", birth_date="1970-12-01")])
    day = dt.date(2026, 11, 30)
    assert compute_signals(tables, day, load_rules(None)).column("rule").to_pylist() == ["birthday"]
    off = load_rules(write(tmp_path, "signals:\n  birthday: {enabled: false}\n"))
    assert compute_signals(tables, day, off).num_rows == 0


def test_a_changed_threshold_changes_the_result(tmp_path, duckdb_backend):
    from engine_rows import customer, txn

    tables = duckdb_backend.tables(customers=[customer("C1")], transactions=[
        txn("C1", "2026-11-29", "60000.00"), txn("C1", "2026-10-01", "5000000.00")])
    day = dt.date(2026, 11, 30)
    assert compute_signals(tables, day, load_rules(None), rules=["large_inflow"]).num_rows == 1
    strict = load_rules(write(tmp_path, "signals:\n  large_inflow: {min_amount: 60000.01}\n"))
    assert compute_signals(tables, day, strict, rules=["large_inflow"]).num_rows == 0


def test_an_unknown_rule_id_is_a_usage_error(duckdb_backend):
    with pytest.raises(UsageError, match="unknown signal rules: birthdays"):
        compute_signals(duckdb_backend.tables(), dt.date(2026, 11, 30), load_rules(None), rules=["birthdays"])
