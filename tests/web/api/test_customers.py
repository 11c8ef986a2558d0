"""GET /api/customers/<id>: scoped like the pages, personal data masked."""

from __future__ import annotations

import pytest

from ..workbench.pins import PINS

pytestmark = pytest.mark.django_db


def test_it_returns_a_customer_in_scope(client, rm, bank, bearer):
    r = client.get("/api/customers/C001", **bearer("R001"))
    assert r.status_code == 200
    c = r.json()
    assert (c["name"], c["phone_masked"], c["tier"], c["remote_staff_id"]) == ("刘建国", "138****5678", "财富", "R001")
    assert "13812345678" not in r.content.decode()
    assert c["four_basic"] == {"mobile_banking": True, "credit_card": False, "third_party_binding": True,
                               "investment": True}
    assert {s["rule"] for s in c["signals"]} == {"large_inflow", "maturity"}


def test_it_answers_404_outside_scope(client, rm, other_rm, bank, bearer):
    assert client.get("/api/customers/C001", **bearer("R002")).status_code == 404
    assert client.get("/api/customers/NOPE", **bearer("R002")).status_code == 404


def test_its_query_count_is_pinned(client, rm, bank, bearer, django_assert_max_num_queries):
    h = bearer("R001")
    with django_assert_max_num_queries(PINS["api:customer"]):
        assert client.get("/api/customers/C001", **h).status_code == 200
