from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from ..workbench.bank import build_bank


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


@pytest.fixture
def bearer(client):
    """bearer(username) → headers with a token obtained through POST /api/token."""
    from ..conftest import PASSWORD

    def get(username):
        r = client.post("/api/token", {"username": username, "password": PASSWORD}, content_type="application/json")
        assert r.status_code == 200, r.content
        return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}

    return get
