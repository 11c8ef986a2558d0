"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from yuanwei.paths import Home


@pytest.fixture
def home(tmp_path) -> Home:
    """A fresh, empty yuanwei home folder."""
    return Home(tmp_path / "home").ensure()
