"""Customers not contacted in 30/90 days (/dashboards/uncovered/), by RM and tier, with the long tail."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db
PINS = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def ids(r):
    return [row["customer_id"] for row in r.context["rows"]]


def test_it_lists_the_customers_not_contacted_highest_aum_first(client, head, extract):
    client.force_login(head)
    assert ids(client.get("/dashboards/uncovered/?days=90")) == ["K4"]
    r = client.get("/dashboards/uncovered/?days=30")
    assert ids(r) == ["K6", "K2", "K4"] and r.context["total"] == 3  # 900,000; 100,000; 20,000
    assert "王丽" in r.content.decode() and "未分配" in r.content.decode()


def test_it_filters_by_rm_the_long_tail_and_tier(client, head, extract):
    client.force_login(head)
    assert ids(client.get("/dashboards/uncovered/?days=30&rm=R001")) == ["K6", "K2"]
    assert ids(client.get("/dashboards/uncovered/?days=30&rm=none")) == ["K4"]
    assert ids(client.get("/dashboards/uncovered/?days=30&tier=金卡")) == ["K2"]


def test_a_team_lead_sees_only_the_team(client, team_lead, extract):
    client.force_login(team_lead)
    assert ids(client.get("/dashboards/uncovered/?days=30")) == ["K6", "K2"]
    assert ids(client.get("/dashboards/uncovered/?days=30&rm=none")) == []


def test_the_coverage_page_links_each_rms_uncovered_customers(client, head, extract):
    client.force_login(head)
    body = client.get("/dashboards/").content.decode()
    assert "/dashboards/uncovered/?days=30&amp;rm=R001" in body and "/dashboards/uncovered/?days=90&amp;rm=none" in body


def test_it_exports_to_excel(client, head, extract):
    client.force_login(head)
    rows = list(load_workbook(BytesIO(client.get("/dashboards/uncovered/?days=30&format=xlsx").content)).active.values)
    assert rows[1] == ("客户号", "客户", "等级", "客户经理", "熟悉度", "资产(元)", "最近联系")
    assert [r[0] for r in rows[2:]] == ["K6", "K2", "K4"] and rows[4][3] == "未分配"


def test_it_refuses_an_rm(client, rm, extract):
    client.force_login(rm)
    assert client.get("/dashboards/uncovered/").status_code == 403


def test_its_query_count_is_pinned(client, head, extract, django_assert_max_num_queries):
    client.force_login(head)
    with django_assert_max_num_queries(PINS["dashboards:uncovered"]):
        assert client.get("/dashboards/uncovered/?days=30").status_code == 200
