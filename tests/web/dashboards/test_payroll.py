"""Payroll prospects (/dashboards/payroll/): employers of many customers with no payroll service."""

from __future__ import annotations

import json
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db
PINS = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def test_it_lists_employers_without_payroll_service(client, head, extract):
    client.force_login(head)
    r = client.get("/dashboards/payroll/?min=2")
    rows = r.context["rows"]
    # E1 employs K1, K2, K3 of B01 (K7 is B02's); E2 already pays salaries with the bank; E3 has one
    assert [(p["employer_id"], p["customers"]) for p in rows] == [("E1", 3)]
    assert rows[0]["aum"] == Decimal("780000") and rows[0]["consent"] == 2 and rows[0]["share"] == pytest.approx(3 / 40)
    assert "蓉城精密制造有限公司" in r.content.decode()


def test_it_takes_the_minimum_from_the_query(client, head, extract):
    client.force_login(head)
    ids = [p["employer_id"] for p in client.get("/dashboards/payroll/?min=1").context["rows"]]
    assert ids == ["E1", "E3"]
    assert client.get("/dashboards/payroll/").context["rows"] == []  # default minimum 5
    assert client.get("/dashboards/payroll/?min=x").context["minimum"] == 5


def test_an_admin_counts_every_branch(client, admin_user, extract):
    client.force_login(admin_user)
    rows = client.get("/dashboards/payroll/?min=2").context["rows"]
    assert [(p["employer_id"], p["customers"]) for p in rows] == [("E1", 4)]


def test_it_exports_to_excel(client, head, extract):
    client.force_login(head)
    r = client.get("/dashboards/payroll/?min=2&format=xlsx")
    rows = list(load_workbook(BytesIO(r.content)).active.values)
    assert rows[0][:5] == ("单位编号", "单位名称", "行业", "员工人数", "我行客户数")
    assert rows[1][:5] == ("E1", "蓉城精密制造有限公司", "制造业", 40, 3)


def test_it_refuses_an_rm(client, rm, extract):
    client.force_login(rm)
    assert client.get("/dashboards/payroll/").status_code == 403


def test_its_query_count_is_pinned(client, head, extract, django_assert_max_num_queries):
    client.force_login(head)
    with django_assert_max_num_queries(PINS["dashboards:payroll"]):
        assert client.get("/dashboards/payroll/?min=1").status_code == 200
