"""The tasks: section of the rules file over defaults.yaml, validated with clear messages."""

from __future__ import annotations

import pytest

from yuanwei.engine.tasks.config import load_tasks_config
from yuanwei.errors import UsageError


def test_it_loads_the_defaults_of_design_section_5():
    cfg = load_tasks_config(None)
    assert cfg.policy.pressure_short_days == 7 and cfg.policy.pressure_short_max == 1
    assert cfg.policy.pressure_long_days == 30 and cfg.policy.pressure_long_max == 4
    assert cfg.policy.refusal_days == 30
    assert cfg.offers.assessment_valid_days == 365 and cfg.offers.elderly_age == 65
    assert cfg.offers.elderly_max_risk == "R3"
    assert cfg.capacity.default_daily_capacity == 30 and cfg.capacity.min_daily_target == 20
    assert cfg.windows.unfamiliar == ["10:30-11:30", "14:30-15:30"]
    assert cfg.propensity.version == "prior-1"
    assert cfg.purpose_of("maturity") == "service" and cfg.purpose_of("birthday") == "care"
    assert cfg.purpose_of("idle_cash") == "marketing"


def test_it_overrides_defaults_from_the_tasks_section_and_ignores_other_sections(tmp_path):
    f = tmp_path / "rules.yaml"
    f.write_text("signals:\n  large_inflow: {min_amount: 1}\n"
                 "tasks:\n  policy: {pressure_long_max: 6}\n  capacity: {default_daily_capacity: 40}\n",
                 encoding="utf-8")
    cfg = load_tasks_config(f)
    assert cfg.policy.pressure_long_max == 6
    assert cfg.policy.pressure_short_days == 7          # untouched defaults stay
    assert cfg.capacity.default_daily_capacity == 40
    assert cfg.hash != load_tasks_config(None).hash


def test_a_missing_rules_file_means_defaults(tmp_path):
    assert load_tasks_config(tmp_path / "absent.yaml") == load_tasks_config(None)


@pytest.mark.parametrize("text, key, why", [
    ("tasks:\n  policy: {pressure_short_days: 0}\n", "tasks.policy.pressure_short_days", "greater than or equal to 1"),
    ("tasks:\n  policy: {pressure_long_days: 3}\n", "tasks.policy", "pressure_long_days must be ≥ pressure_short_days"),
    ("tasks:\n  offers: {elderly_max_risk: R7}\n", "tasks.offers.elderly_max_risk", "not a risk rating"),
    ("tasks:\n  offers: {unassessed_categories: [savings]}\n", "tasks.offers.unassessed_categories",
     "unknown product category 'savings'"),
    ("tasks:\n  capacity: {default_daily_capacity: many}\n", "tasks.capacity.default_daily_capacity",
     "valid integer"),
    ("tasks:\n  windows: {unfamiliar: ['15:30-14:30']}\n", "tasks.windows.unfamiliar", "start < end"),
    ("tasks:\n  purposes: {idle_cash: sales}\n", "tasks.purposes", "must be one of"),
    ("tasks:\n  arbitration: {tier_value: {白金: 2}}\n", "tasks.arbitration.tier_value", "unknown tier"),
    ("tasks:\n  propensity: {by_rule: {maturity: 1.5}}\n", "tasks.propensity.by_rule", "within 0…1"),
    ("tasks:\n  polcy: {}\n", "tasks.polcy", "unknown key"),
    ("tasks:\n  offers: {by_rule: {idle_csh: {categories: [wealth]}}}\n", "tasks.offers.by_rule.idle_csh",
     "unknown name"),
    ("tasks:\n  windows: {persona: {retired: '09:00-10:00'}}\n", "tasks.windows.persona.retired", "unknown name"),
])
def test_it_names_the_file_the_key_path_and_why(tmp_path, text, key, why):
    f = tmp_path / "rules.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        load_tasks_config(f)
    msg = str(err.value)
    assert str(f) in msg and f"{key}:" in msg and why in msg


def test_it_points_at_the_line_of_broken_yaml(tmp_path):
    f = tmp_path / "rules.yaml"
    f.write_text("tasks:\n  policy: {pressure_short_days: 7\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"rules\.yaml:\d+:\d+: not valid YAML"):
        load_tasks_config(f)


def test_the_tasks_section_must_be_a_mapping(tmp_path):
    f = tmp_path / "rules.yaml"
    f.write_text("tasks: [1, 2]\n", encoding="utf-8")
    with pytest.raises(UsageError, match="'tasks' must be a mapping"):
        load_tasks_config(f)
