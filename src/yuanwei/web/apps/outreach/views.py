"""Outreach pages: the market brief to copy, birthday greetings from today's tasks, the outbox.

Plain function views; every customer goes through the workbench's scope.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yuanwei.outreach import sms
from yuanwei.outreach.brief import render_sms, render_wechat
from yuanwei.web.apps.workbench import scope
from yuanwei.web.apps.workbench.models import Task

from .delivery import Refused, queue_message
from .models import OutboxMessage
from .texts import greeting_for
from .worker import brief_for

GREETING_RULES = ("birthday", "relative_birthday")


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return scope.business_day()


@login_required
def brief(request):
    day = _day(request)
    b = brief_for(day)
    wechat, short = render_wechat(b), render_sms(b)
    return render(request, "outreach/brief.html", {
        "day": day, "brief": b, "wechat": wechat, "sms": short, "sms_segments": sms.segments(short)})


def _greeting_candidates(user, day: dt.date) -> list[dict]:
    """Today's care tasks with a birthday signal that belong to this user, each with its rendered greeting."""
    tasks = (Task.objects.filter(date=day, staff_id=user.get_username())
             .select_related("customer").order_by("rank"))
    out = []
    for task in tasks:
        rules = [r for r in task.rules.split(";") if r in GREETING_RULES]
        if not rules or task.customer is None:
            continue
        purpose = rules[0]
        rendered = greeting_for(task.customer, purpose, user, day)
        key = f"{purpose}:{day.isoformat()}:{task.customer.customer_id}"
        existing = OutboxMessage.objects.filter(key=key).first()
        blocked = "客户要求免打扰 / do not disturb" if task.customer.do_not_disturb else ""
        out.append({"task": task, "customer": task.customer, "purpose": purpose, "rendered": rendered,
                    "key": key, "existing": existing, "blocked": blocked})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def greetings(request):
    day = _day(request)
    rows = _greeting_candidates(request.user, day)
    if request.method == "POST":
        chosen = set(request.POST.getlist("key"))
        queued = refused = 0
        for row in rows:
            if row["key"] not in chosen or row["existing"] is not None:
                continue
            try:
                _, created = queue_message(
                    key=row["key"], customer=row["customer"], purpose=row["purpose"], gateway="sms",
                    text=row["rendered"].text, staff=request.user, source="task", source_ref=str(row["task"].pk))
                queued += created
            except Refused as exc:
                refused += 1
                messages.warning(request, f"{row['customer'].name}：{exc}")
        messages.success(request, f"已加入发送队列 {queued} 条 / {queued} queued" + (f"，{refused} 条被拦截" if refused else ""))
        return redirect("outreach:outbox")
    return render(request, "outreach/greetings.html", {"day": day, "rows": rows})


@login_required
def outbox(request):
    staff_ids = scope.staff_ids_for(request.user)
    qs = OutboxMessage.objects.select_related("staff").order_by("-created_at")
    if staff_ids is not None:
        qs = qs.filter(staff__username__in=staff_ids)
    status = request.GET.get("status", "")
    if status in dict(OutboxMessage.STATUSES):
        qs = qs.filter(status=status)
    ctx = {"rows": list(qs[:200]), "status": status, "statuses": OutboxMessage.STATUSES}
    template = "outreach/_outbox_rows.html" if request.headers.get("HX-Request") else "outreach/outbox.html"
    return render(request, template, ctx)
