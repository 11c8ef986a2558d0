"""Warehouses built from the real UCI contacts (converted, then loaded with ``yuanwei ingest``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from yuanwei.paths import Home
from yuanwei.warehouse.ingest import ingest_folder

ROOT = Path(__file__).resolve().parents[2]
UCI = Path("/work/shared/data/uci-bank-marketing/bank-additional-full.csv")


def _converter():
    spec = importlib.util.spec_from_file_location("uci_convert", ROOT / "examples/uci_bank_marketing/convert.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load(home: Home, folder: Path) -> None:
    report = ingest_folder(home, folder, progress=False)
    assert report["totals"]["quarantined"] == 0, report


def uci_home(root: Path, limit: int | None) -> Home:
    if not UCI.exists():
        pytest.skip("UCI data not present")
    home = Home(root / "home").ensure()
    folder = root / "contract"
    _converter().convert(UCI, folder, limit=limit)
    load(home, folder)
    return home


@pytest.fixture(scope="session")
def uci_full(tmp_path_factory) -> Home:
    """All 41,188 UCI contacts, ingested once per test session."""
    return uci_home(tmp_path_factory.mktemp("uci_full"), None)


@pytest.fixture
def uci_small(tmp_path) -> Home:
    """The first 3,000 UCI contacts."""
    return uci_home(tmp_path, 3000)


@pytest.fixture
def uci_tiny(tmp_path) -> Home:
    """The first 300 UCI contacts: too little history for a propensity model."""
    return uci_home(tmp_path, 300)
