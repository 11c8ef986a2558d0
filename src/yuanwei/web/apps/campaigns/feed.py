"""The live sales feed: each sale as it is logged, and its push to a WeCom group robot.

The push goes through the outbox (key ``sale:<id>``), so it is retried on failure and never sent
twice; ``yuanwei outbox send`` delivers it (a scheduler runs it every minute, or
``yuanwei outbox send --every 10`` as a small daemon).
"""

from __future__ import annotations

from decimal import Decimal

from yuanwei.web.apps.accounts.models import StaffProfile
from yuanwei.web.apps.customers.models import Branch, Product

from .models import Sale


def headline(sale: Sale) -> str:
    """锦江支行 李娜 售出 稳享90天理财 ¥200,000"""
    branch = Branch.objects.filter(branch_id=sale.branch_id).values_list("name", flat=True).first() or sale.branch_id
    staff = StaffProfile.objects.filter(staff_id=sale.staff_id).values_list("name", flat=True).first() or sale.staff_id
    product = Product.objects.filter(product_id=sale.product_id).values_list("name", flat=True).first() or sale.product_id
    amount = Decimal(sale.amount)
    money = f"¥{amount:,.0f}" if amount == amount.to_integral_value() else f"¥{amount:,.2f}"
    return f"{branch} {staff} 售出 {product} {money}"


def announce(sale: Sale):
    """Queue the sale's push to the branch's WeCom group (once per sale)."""
    from yuanwei.web.apps.outreach.delivery import queue_message

    msg, _ = queue_message(key=f"sale:{sale.pk}", customer=None, purpose="campaign", gateway="wecom_robot",
                           text=f"【喜报】{headline(sale)}", source="sale", source_ref=str(sale.pk))
    return msg
