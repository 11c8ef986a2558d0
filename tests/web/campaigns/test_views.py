import datetime as dt
from decimal import Decimal as D
from io import BytesIO

from yuanwei.web.apps.campaigns.models import Campaign, Quota


def test_the_list_shows_campaigns_of_my_branch(client, rm, campaign):
    client.force_login(rm)
    r = client.get("/campaigns/")
    assert r.status_code == 200 and "稳享90天冲刺" in r.content.decode()
    assert "新建活动" not in r.content.decode()  # an RM cannot create


def test_another_branch_head_sees_neither_list_nor_detail(client, other_head, campaign):
    client.force_login(other_head)
    assert "稳享90天冲刺" not in client.get("/campaigns/").content.decode()
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 404
    assert client.get(f"/campaigns/{campaign.pk}/rankings/").status_code == 404


def test_a_branch_head_creates_a_campaign_with_cascaded_quotas(client, bank, settings, tmp_path):
    from yuanwei.paths import Home

    settings.HOME = Home(tmp_path / "home").ensure()
    client.force_login(bank["head"])
    assert client.get("/campaigns/new/").status_code == 200
    r = client.post("/campaigns/new/", {
        "name": "年末理财冲刺", "products": ["P90"], "starts_on": "2026-12-01", "ends_on": "2026-12-31",
        "branch_quota": "500000", "junior_weight": "0.5", "double_credit": "on", "bonus_multiplier": "1.2",
        "shortfall_deduction": "0.1", "lever": "2", "tiers": ["财富"]})
    c = Campaign.objects.get(name="年末理财冲刺")
    assert r.status_code == 302 and r["Location"] == f"/campaigns/{c.pk}/"
    assert c.bonus_multiplier == D("1.20") and c.segment == {"tiers": ["财富"]}
    assert Quota.objects.get(campaign=c, level="branch").amount == D("500000.00")
    assert sum(q.amount for q in Quota.objects.filter(campaign=c, level="rm")) == D("500000.00")
    assert list(c.targets.values_list("customer_id", flat=True)) == ["C1"]


def test_it_validates_the_period(client, bank):
    client.force_login(bank["head"])
    r = client.post("/campaigns/new/", {"name": "x", "products": ["P90"], "starts_on": "2026-12-31",
                                        "ends_on": "2026-12-01", "branch_quota": "1", "junior_weight": "0.5",
                                        "bonus_multiplier": "1", "shortfall_deduction": "0", "lever": "1.5"})
    assert r.status_code == 200 and "结束日期早于开始日期" in r.content.decode()


def test_an_rm_may_not_create_or_launch(client, rm, campaign):
    client.force_login(rm)
    assert client.get("/campaigns/new/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/launch/").status_code == 403


def test_launch_from_the_detail_page(client, bank, campaign):
    client.force_login(bank["head"])
    assert "启动活动" in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    r = client.post(f"/campaigns/{campaign.pk}/launch/", follow=True)
    assert "已启动" in r.content.decode()
    assert Campaign.objects.get().status == "launched"


def test_rankings_and_excel_export(client, rm, bank, campaign):
    from openpyxl import load_workbook

    from yuanwei.web.apps.campaigns.services import launch
    from yuanwei.web.apps.workbench.models import ContactLog

    launch(campaign, bank["head"])
    ContactLog.objects.create(customer_id="C2", staff=rm, channel="phone", outcome="sold", product_id="P90",
                              amount=D("80000.00"))
    client.force_login(bank["head"])
    body = client.get(f"/campaigns/{campaign.pk}/rankings/?by=rm").content.decode()
    assert "王丽" in body and "80,000.00" in body
    assert "支行 PK" in client.get(f"/campaigns/{campaign.pk}/rankings/?by=branch").content.decode()
    r = client.get(f"/campaigns/{campaign.pk}/rankings/?by=rm&format=xlsx")
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:4] == (1, "王丽", 80000.0, 1)
    today = dt.date.today().isoformat()
    assert client.get(f"/campaigns/{campaign.pk}/rankings/?period=day&day={today}").status_code == 200


def test_it_requires_login(client, campaign):
    assert client.get("/campaigns/").status_code == 302
