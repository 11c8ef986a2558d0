from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from .bank import build_bank


@pytest.fixture
def day():
    return timezone.localdate()


@pytest.fixture
def bank(db, day):
    return build_bank(day)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
