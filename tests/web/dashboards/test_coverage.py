"""The coverage dashboard (/dashboards/) against the hand-computed numbers of conftest.py."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yuanwei.web.apps.dashboards.models import DailyCoverage, FamiliarityMove

pytestmark = pytest.mark.django_db
PINS = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def test_a_branch_head_sees_the_branchs_coverage(client, head, extract):
    client.force_login(head)
    r = client.get("/dashboards/")
    assert r.status_code == 200
    t = r.context["total"]
    # K1..K6; in 30 days: K1 (D−5), K3 (logged today), K5 (D−29 00:00); in 90 days also K2, K6
    assert (t["customers"], t["contacted_30"], t["contacted_90"]) == (6, 3, 5)
    assert t["share_30"] == pytest.approx(0.5) and t["share_90"] == pytest.approx(5 / 6)
    body = r.content.decode()
    assert '<b id="share-30">50%</b>' in body and '<b id="share-90">83%</b>' in body


def test_it_breaks_coverage_down_by_tier_and_rm_with_the_long_tail(client, head, extract):
    client.force_login(head)
    ctx = client.get("/dashboards/").context
    tiers = {t["tier"]: (t["customers"], t["contacted_30"], t["contacted_90"]) for t in ctx["by_tier"]}
    assert tiers == {"财富": (2, 1, 2), "金卡": (2, 1, 2), "大众": (2, 1, 1)}
    rms = {r["staff_id"]: (r["name"], r["customers"], r["contacted_30"], r["contacted_90"]) for r in ctx["by_rm"]}
    assert rms == {"R001": ("王丽", 3, 1, 3), "R002": ("李强", 1, 1, 1), "": ("未分配（长尾客户）", 2, 1, 1)}
    assert ctx["by_rm"][-1]["staff_id"] == ""  # the long tail last


def test_it_shows_the_four_basic_products_and_their_change(client, head, extract, day):
    client.force_login(head)
    ctx = client.get("/dashboards/").context
    assert ctx["base_day"] == day - dt.timedelta(days=30)
    pen = {p["key"]: (p["count"], p["change"]) for p in ctx["penetration"]}
    assert pen["mobile_banking"][0] == 5 and pen["mobile_banking"][1] == pytest.approx(1 / 6)
    assert pen["investment"][0] == 2 and pen["investment"][1] == pytest.approx(1 / 6)
    assert pen["credit_card"] == (2, 0) and pen["third_party_binding"] == (3, 0)


def test_it_compares_deposits_and_aum_with_the_targets(client, head, extract):
    client.force_login(head)
    money = {m["key"]: m for m in client.get("/dashboards/").context["money"]}
    assert money["deposits"]["value"] == Decimal("890000") and money["deposits"]["target"] == Decimal("1000000")
    assert money["deposits"]["progress"] == Decimal("0.89") and money["deposits"]["change"] == Decimal("50000")
    assert money["aum"]["value"] == Decimal("1710000") and money["aum"]["progress"] == Decimal("0.855")


def test_it_shows_the_familiarity_mix_and_movement(client, head, extract, day):
    client.force_login(head)
    ctx = client.get("/dashboards/").context
    assert {f["level"]: f["count"] for f in ctx["familiarity"]} == {"A": 2, "B": 1, "C": 2}
    assert ctx["unrated"] == 1
    assert [(m["label"], m["count"], m["up"]) for m in ctx["movement"]] == [("C→B", 1, True)]
    assert FamiliarityMove.objects.get().customer_id == "K2"


def test_a_team_lead_sees_the_teams_customers_only(client, team_lead, extract):
    client.force_login(team_lead)
    ctx = client.get("/dashboards/").context
    assert ctx["total"]["customers"] == 3 and ctx["total"]["contacted_30"] == 1  # K1, K2, K6 of R001
    assert [r["staff_id"] for r in ctx["by_rm"]] == ["R001"]
    assert all(m["target"] is None for m in ctx["money"])  # targets are per branch


def test_an_admin_sees_every_branch(client, admin_user, extract):
    client.force_login(admin_user)
    assert client.get("/dashboards/").context["total"]["customers"] == 7


def test_the_page_records_the_days_snapshot_once(client, head, extract, day):
    client.force_login(head)
    client.get("/dashboards/")
    client.get("/dashboards/")
    rows = DailyCoverage.objects.filter(date=day)
    # one row per (RM, tier): R001 财富 (K1, K6), R001 金卡 (K2), R002 金卡 (K3), long tail 大众 (K4, K5)
    assert sorted(rows.filter(branch_id="B01").values_list("staff_id", "tier", "customers")) == [
        ("", "大众", 2), ("R001", "财富", 2), ("R001", "金卡", 1), ("R002", "金卡", 1)]
    assert sum(r.customers for r in rows) == 7 and FamiliarityMove.objects.count() == 1
    chart = client.get("/dashboards/").context["chart"]
    assert chart["dates"] == [(day - dt.timedelta(days=30)).isoformat(), day.isoformat()]
    assert chart["series"][0]["data"][1] == 50.0


def test_it_exports_to_excel(client, head, extract):
    client.force_login(head)
    r = client.get("/dashboards/?format=xlsx")
    rows = list(load_workbook(BytesIO(r.content)).active.values)
    assert rows[1][:7] == ("维度", "名称", "客户数", "30天内联系", "30天覆盖率", "90天内联系", "90天覆盖率")
    assert rows[2][:5] == ("合计", "支行 B01", 6, 3, 0.5)
    long_tail = [row for row in rows if row[1] == "未分配（长尾客户）"]
    assert long_tail and long_tail[0][2:4] == (2, 1)
    assert rows[-1][:3] == ("熟悉度变化（30天）", "C→B", 1)
    from yuanwei.web.apps.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="export", object_type="dashboard_coverage").count() == 1


def test_it_refuses_an_rm(client, rm, extract):
    client.force_login(rm)
    assert client.get("/dashboards/").status_code == 403
    assert client.get("/dashboards/?format=xlsx").status_code == 403


def test_its_query_count_is_pinned(client, head, extract, django_assert_max_num_queries):
    client.force_login(head)
    client.get("/dashboards/")
    with django_assert_max_num_queries(PINS["dashboards:coverage"]):
        assert client.get("/dashboards/").status_code == 200
