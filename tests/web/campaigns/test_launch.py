import csv
from decimal import Decimal as D

from yuanwei.web.apps.campaigns.models import CampaignTarget, Quota
from yuanwei.web.apps.outreach.models import OutboxMessage


def test_creating_cascades_quotas_and_builds_suitable_targets(campaign):
    q = {(x.level, x.team or x.staff_id or x.branch_id): x.amount for x in Quota.objects.all()}
    assert q[("branch", "B01")] == D("1000000.00")
    assert q[("team", "一组")] + q[("team", "二组")] == D("1000000.00")
    assert q[("rm", "R001")] == q[("team", "一组")] and q[("rm", "R002")] == q[("team", "二组")]
    assert set(CampaignTarget.objects.values_list("customer_id", flat=True)) == {"C1", "C2", "C3"}


def test_unsuitable_customers_are_not_targets(bank, settings, tmp_path):
    import datetime as dt

    from yuanwei.paths import Home
    from yuanwei.web.apps.campaigns.services import create_campaign
    from yuanwei.web.apps.customers.models import Customer

    Customer.objects.filter(customer_id="C2").update(risk_level="C1")  # R2 product, C1 customer
    settings.HOME = Home(tmp_path / "h").ensure()
    c = create_campaign(user=bank["head"], branch_id="B01", name="x", product_ids=["P90"], starts_on=dt.date(2026, 11, 1),
                        ends_on=dt.date(2026, 12, 31), branch_quota=D("1"), segment_filters={}, day=dt.date(2026, 11, 30))
    assert set(c.targets.values_list("customer_id", flat=True)) == {"C1", "C3"}


def test_launch_notifies_consenting_targets_and_writes_levers(campaign, bank, settings):
    from yuanwei.web.apps.campaigns.services import launch

    result = launch(campaign, bank["head"])
    assert result == {"queued": 2, "refused": 1, "levers": 3}
    assert set(OutboxMessage.objects.values_list("customer_id", flat=True)) == {"C1", "C2"}  # C3: no consent
    rows = list(csv.DictReader((settings.HOME.config_dir / "levers.csv").open(encoding="utf-8")))
    assert {r["customer_id"] for r in rows} == {"C1", "C2", "C3"} and rows[0]["factor"] == "1.5"
    assert rows[0]["reason"] == "营销活动：稳享90天冲刺"


def test_levers_file_is_read_by_the_daily_run(campaign, bank, settings):
    from yuanwei.engine.tasks.arbitration import parse_levers, read_levers
    from yuanwei.web.apps.campaigns.services import launch

    launch(campaign, bank["head"])
    path = settings.HOME.config_dir / "levers.csv"
    levers = parse_levers(read_levers(path), str(path), first_line=2)
    factor, notes = levers.for_task("C1", [])
    assert factor == 1.5 and notes == ["营销活动：稳享90天冲刺 ×1.5"]
