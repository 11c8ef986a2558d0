"""Filling message templates with a customer's fields (the newest active template version wins)."""

from __future__ import annotations

import datetime as dt

from yuanwei.outreach import templates as tpl

from .models import MessageTemplate

RELATION_LABELS = {"spouse": "爱人", "child": "孩子", "parent": "父母", "other": "家人"}


def template_text(purpose: str, persona: str | None) -> str:
    """The template for purpose and persona: the app's newest active version, else the default file's."""
    for p in ([persona] if persona else []) + [""]:
        row = (MessageTemplate.objects.filter(purpose=purpose, persona=p, active=True)
               .order_by("-version").first())
        if row:
            return row.text
    chosen = tpl.choose(tpl.default_templates(), purpose, persona)
    return chosen.text if chosen else ""


def title_of(customer) -> str:
    surname = (customer.name or "")[:1]
    return f"{surname}{'先生' if customer.gender == 'M' else '女士'}" if surname else "您好"


def customer_fields(customer, staff, day: dt.date) -> dict:
    from yuanwei.web.apps.customers.models import Branch, Relative

    branch = Branch.objects.filter(branch_id=customer.branch_id).values_list("name", flat=True).first()
    profile = getattr(staff, "staffprofile", None)
    fields = {"customer_name": customer.name, "title": title_of(customer), "branch_name": branch or "",
              "rm_name": getattr(profile, "name", "") or staff.get_full_name() or staff.get_username()}
    # the relative whose birthday is next (for relative_birthday greetings)
    best = None
    for r in Relative.objects.filter(customer_id=customer.customer_id):
        try:
            b = r.birth_date.replace(year=day.year)
        except ValueError:
            b = dt.date(day.year, 2, 28)
        delta = (b - day).days % 366
        if best is None or delta < best[0]:
            best = (delta, r)
    if best:
        fields.update(relative_name=best[1].name, relation=RELATION_LABELS.get(best[1].relation, "家人"))
    return fields


def greeting_for(customer, purpose: str, staff, day: dt.date) -> tpl.Rendered:
    return tpl.render(template_text(purpose, customer.persona), customer_fields(customer, staff, day))
