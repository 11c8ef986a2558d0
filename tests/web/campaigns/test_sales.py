"""Sales from contacts and from extracts, de-duplicated and credited by the campaign's rules."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from yuanwei.web.apps.campaigns.models import Campaign, Sale, SaleCredit
from yuanwei.web.apps.campaigns.sales import record_from_holdings
from yuanwei.web.apps.campaigns.services import launch
from yuanwei.web.apps.workbench.models import ContactLog

AT = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def sell(user, customer_id, amount, product="P90", at=AT):
    return ContactLog.objects.create(customer_id=customer_id, staff=user, at=at, channel="phone", outcome="sold",
                                     product_id=product, amount=D(amount))


def holding(hid, customer_id, amount, bought_on, product="P90"):
    from yuanwei.web.apps.customers.models import Holding

    return Holding.objects.create(holding_id=hid, row_key=hid, row_hash="x", customer_id=customer_id,
                                  product_id=product, amount=D(amount), bought_on=bought_on)


def test_a_sold_contact_becomes_one_sale_credited_to_seller_and_advisor(campaign, rm, bank):
    launch(campaign, bank["head"])
    contact = sell(rm, "C1", "200000.00")
    contact.note = "edited"
    contact.save()  # an edit does not make a second sale
    sale = Sale.objects.get()
    assert (sale.staff_id, sale.amount, sale.branch_id, sale.team) == ("R001", D("200000.00"), "B01", "一组")
    credits = {(c.staff_id, c.reason): c.amount for c in SaleCredit.objects.all()}
    assert credits == {("R001", "seller"): D("200000.00"), ("W001", "double_credit_advisor"): D("200000.00")}


def test_a_contact_corrected_to_not_sold_removes_its_sale(campaign, rm, bank):
    launch(campaign, bank["head"])
    contact = sell(rm, "C2", "50000.00")
    contact.outcome = "interested"
    contact.save()
    assert not Sale.objects.exists() and not SaleCredit.objects.exists()


def test_the_holding_of_a_logged_sale_is_not_counted_again(campaign, rm, bank):
    launch(campaign, bank["head"])
    sell(rm, "C2", "50000.00")
    holding("H1", "C2", "50000.00", dt.date(2026, 12, 1))   # the next extract shows the purchase
    holding("H2", "C1", "300000.00", dt.date(2026, 12, 1))  # a sale nobody logged
    counts = record_from_holdings(dt.date(2026, 11, 30))
    assert counts == {"matched": 1, "created": 1, "known": 0}
    assert record_from_holdings(dt.date(2026, 11, 30)) == {"matched": 0, "created": 0, "known": 2}  # idempotent
    assert Sale.objects.count() == 2
    assert Sale.objects.get(holding_id="H2").staff_id == "R001"  # credited to the customer's remote RM


def test_sales_outside_the_period_or_product_are_not_credited(campaign, rm, bank):
    launch(campaign, bank["head"])
    sell(rm, "C2", "50000.00", product="OTHER")
    sell(rm, "C2", "50000.00", at=dt.datetime(2027, 1, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert Sale.objects.count() == 2 and not SaleCredit.objects.exists()


def test_a_draft_campaign_credits_nothing_until_launched(campaign, rm, bank):
    sell(rm, "C2", "50000.00")
    assert not SaleCredit.objects.exists()
    launch(campaign, bank["head"])  # launching credits the period's sales so far
    assert SaleCredit.objects.get().amount == D("50000.00")
    assert Campaign.objects.get().status == "launched"


def test_a_publish_picks_up_new_holdings(campaign, rm, bank):
    from yuanwei.web.signals import run_published

    launch(campaign, bank["head"])
    holding("H9", "C2", "70000.00", dt.date(2026, 11, 29))
    run_published.send(sender=None, day=dt.date(2026, 11, 30), counts={})
    sale = Sale.objects.get(holding_id="H9")
    assert sale.staff_id == "R001" and SaleCredit.objects.get(sale=sale).amount == D("70000.00")
