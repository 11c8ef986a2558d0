"""Customers (/customers/): the customers in scope, searchable; nobody else's."""

from __future__ import annotations

import pytest

from .pins import PINS

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_customers_in_scope(client, rm, bank):
    client.force_login(rm)
    body = client.get("/customers/").content.decode()
    assert "共 3 位客户" in body and "刘建国" in body and "马小军" in body
    assert "孙美华" not in body and "黄志强" not in body
    assert "138****5678" in body and "13812345678" not in body


@pytest.mark.parametrize("q, found", [("刘建", "刘建国"), ("C003", "马小军"), ("5678", "刘建国")])
def test_it_searches_by_name_id_or_phone_digits(client, rm, bank, q, found):
    client.force_login(rm)
    body = client.get(f"/customers/?q={q}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-results").content.decode()
    assert "共 1 位客户" in body and found in body and "<html" not in body


def test_a_search_never_finds_a_customer_outside_scope(client, rm, bank):
    client.force_login(rm)
    assert "共 0 位客户" in client.get("/customers/?q=孙美华").content.decode()
    assert "共 0 位客户" in client.get("/customers/?q=1111").content.decode()  # 孙美华's phone digits


def test_its_query_count_is_pinned(client, admin_user, bank, django_assert_max_num_queries):
    client.force_login(admin_user)
    client.get("/customers/")
    with django_assert_max_num_queries(PINS["workbench:customers"]):
        assert "共 5 位客户" in client.get("/customers/").content.decode()
