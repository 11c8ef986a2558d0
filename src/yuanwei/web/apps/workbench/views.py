"""The workbench (工作台): Today, Customer 360, logging a contact, schedule, work log, team view.

Plain function views, one per page. Every customer-bearing view goes through ``scope``: a customer
outside the user's scope answers 404. Routine actions (filtering, logging a contact, revealing,
remarks) are htmx requests that swap a fragment; without htmx they fall back to full pages.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from yuanwei.web.apps.accounts.models import StaffProfile
from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction
from yuanwei.web.apps.customers.models import (
    BalanceSnapshot, ChannelPlan, ContactHistory, Customer, Flow, Holding, Product, Relative,
    Signal, Staff,
)

from . import labels, scope
from .forms import ContactForm, RemarkForm, RevealForm
from .mask import mask_name, mask_phone
from .models import Appointment, ContactLog, ExcludedCandidate, FollowUp, Task, WorkLogRemark
from .services import log_contact

DAILY_TARGET = 20  # DESIGN §1: at least ~20 calls a day
TEAM_ROLES = ("remote_rm", "rm", "wealth_advisor")
BRIEF_CACHE_S = 300


# --- helpers -------------------------------------------------------------------------------------

def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _bounds(day: dt.date, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """The aware [start, end) of ``days`` local days from ``day``."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=days)


def _staff_id(user) -> str:
    p = scope.profile_of(user)
    return p.staff_id if p else user.get_username()


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _customer_names(ids) -> dict[str, Customer]:
    ids = set(ids)
    if not ids:
        return {}
    return {c.customer_id: c for c in Customer.objects.filter(customer_id__in=ids).only("customer_id", "name", "tier")}


def _offers(tasks) -> dict[str, Product]:
    ids = {o for t in tasks for o in t.offer_list}
    return Product.objects.in_bulk(ids) if ids else {}


@functools.cache
def _url_pattern(name: str) -> str:
    # reverse() once with a placeholder, then format per row: a 30-task list would otherwise spend
    # a fifth of its render time in reverse()
    return reverse(name, args=["__ID__"])


def _url(name: str, customer_id: str) -> str:
    return _url_pattern(name).replace("__ID__", quote(str(customer_id), safe=""))


def _decorate(task, products, done, dnd_ids):
    """Attach what the task row shows: badges, offer names, done state, links."""
    task.customer_url = _url("workbench:customer", task.customer_id)
    task.contact_url = _url("workbench:contact", task.customer_id)
    task.badges = [(r, labels.rule_label(r), labels.RULE_KIND.get(r, "chance")) for r in task.rule_list]
    task.offer_items = [
        (o, products[o].name if o in products else labels.SERVICE_LABELS.get(o, o),
         products[o].risk_rating if o in products else "")
        for o in task.offer_list
    ]
    task.purpose_label = labels.PURPOSE_LABELS.get(task.purpose, task.purpose)
    task.channel_label = labels.CHANNEL_LABELS.get(task.channel or "", task.channel or "")
    task.done = task.customer_id in done
    task.dnd = task.customer_id in dnd_ids
    return task


def _done_customers(user, day: dt.date, customer_ids=None) -> set[str]:
    start, end = _bounds(day)
    qs = ContactLog.objects.filter(staff=user, at__gte=start, at__lt=end)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    return set(qs.values_list("customer_id", flat=True))


def _dnd_ids(customer_ids) -> set[str]:
    return set(ContactLog.objects.filter(customer_id__in=list(customer_ids), outcome="do_not_disturb")
               .values_list("customer_id", flat=True))


def _visible_tasks(user, day: dt.date):
    """The user's tasks for ``day``, decorated; a phone task of a customer who has asked not to be
    disturbed since the run disappears at once (unless the RM already worked it today)."""
    tasks = list(Task.objects.filter(date=day, staff_id=_staff_id(user)).select_related("customer")
                 .order_by("rank"))
    ids = [t.customer_id for t in tasks]
    done = _done_customers(user, day, ids) if ids else set()
    dnd = _dnd_ids(ids) if ids else set()
    products = _offers(tasks)
    out = []
    for t in tasks:
        _decorate(t, products, done, dnd)
        if t.dnd and (t.channel or "phone") == "phone" and not t.done:
            continue
        out.append(t)
    return out


def _progress(user, day: dt.date, tasks) -> dict:
    start, end = _bounds(day)
    contacted = ContactLog.objects.filter(staff=user, at__gte=start, at__lt=end) \
        .values("customer_id").distinct().count()
    target = min(DAILY_TARGET, len(tasks)) if tasks else DAILY_TARGET
    done_tasks = sum(1 for t in tasks if t.done)
    pct = min(100, round(100 * contacted / target)) if target else 0
    return {"contacted": contacted, "target": target, "tasks": len(tasks), "done_tasks": done_tasks,
            "left": len(tasks) - done_tasks, "pct": pct}


def market_brief(day: dt.date) -> dict:
    """The Today panel: the same brief as the forwarded one (closes and headlines up to D−1)."""
    from yuanwei.web.apps.outreach.worker import brief_for

    b = brief_for(day)
    quotes = [{"symbol": i.symbol, "label": i.label, "close": i.close, "as_of": i.as_of, "change": i.change_pct}
              for i in b.indicators]
    return {"quotes": quotes, "news": b.news}


def _apply_filters(tasks, params):
    rule, purpose, tier, status = (params.get(k, "") for k in ("rule", "purpose", "tier", "status"))
    out = tasks
    if rule:
        out = [t for t in out if rule in t.rule_list]
    if purpose:
        out = [t for t in out if t.purpose == purpose]
    if tier:
        out = [t for t in out if (t.customer.tier or "") == tier]
    if status == "done":
        out = [t for t in out if t.done]
    elif status == "open":
        out = [t for t in out if not t.done]
    return out


# --- Today ---------------------------------------------------------------------------------------

@login_required
def today(request):
    day = _parse_day(request.GET.get("date")) or scope.business_day()
    tasks = _visible_tasks(request.user, day)
    shown = _apply_filters(tasks, request.GET)
    progress = _progress(request.user, day, tasks)
    ctx = {"day": day, "tasks": shown, "all_count": len(tasks), "progress": progress,
           "filters": {k: request.GET.get(k, "") for k in ("rule", "purpose", "tier", "status")},
           "rule_choices": sorted({(r, labels.rule_label(r)) for t in tasks for r in t.rule_list}),
           "purpose_choices": list(labels.PURPOSE_LABELS.items()),
           "tier_choices": ["大众", "金卡", "财富", "钻石", "私行"]}
    if _is_htmx(request) and request.htmx.target == "task-list":
        return render(request, "workbench/_task_list.html", ctx)
    staff = request.user
    follow_ups = list(FollowUp.objects.filter(staff=staff, done_at__isnull=True, due_on__lte=day).order_by("due_on"))
    start, end = _bounds(day)
    appointments = list(Appointment.objects.filter(staff=staff, cancelled=False, starts_at__gte=start,
                                                   starts_at__lt=end).order_by("starts_at"))
    names = _customer_names([f.customer_id for f in follow_ups] + [a.customer_id for a in appointments])
    # the same for every RM all day: cached for a few minutes instead of four queries per page
    brief = cache.get_or_set(f"workbench:brief:{day.isoformat()}", lambda: market_brief(day), BRIEF_CACHE_S)
    ctx.update({"brief": brief, "follow_ups": follow_ups, "appointments": appointments,
                "names": names, "is_manager": scope.is_manager(request.user),
                # greetings to send from the task list (outreach)
                "birthday_tasks": sum(1 for t in tasks if {"birthday", "relative_birthday"} & set(t.rule_list))})
    return render(request, "workbench/today.html", ctx)


# --- customer search -----------------------------------------------------------------------------

@login_required
def customer_list(request):
    """The customers in the user's scope, searchable by name, customer id or the phone's last digits."""
    from django.core.paginator import Paginator

    q = (request.GET.get("q") or "").strip()
    tier = request.GET.get("tier") or ""
    qs = scope.customers_for(request.user).only(
        "customer_id", "name", "tier", "persona", "familiarity", "aum", "branch_id", "remote_staff_id",
        "days_since_contact", "phone")
    if q:
        cond = Q(name__icontains=q) | Q(customer_id__startswith=q)
        if q.isdigit() and 4 <= len(q) <= 11:
            cond |= Q(phone__endswith=q)
        qs = qs.filter(cond)
    if tier:
        qs = qs.filter(tier=tier)
    page = Paginator(qs.order_by("-aum", "customer_id"), 50).get_page(request.GET.get("page"))
    for c in page.object_list:
        c.masked_phone = mask_phone(c.phone)
        c.persona_label = labels.PERSONA_LABELS.get(c.persona or "", c.persona or "")
    ctx = {"page": page, "q": q, "tier": tier, "tier_choices": ["大众", "金卡", "财富", "钻石", "私行"]}
    if _is_htmx(request) and request.htmx.target == "customer-results":
        return render(request, "workbench/_customer_results.html", ctx)
    return render(request, "workbench/customer_list.html", ctx)


# --- Customer 360 --------------------------------------------------------------------------------

def _timeline(customer_id: str, limit: int = 30) -> list[dict]:
    """Contacts from the bank's history (published) and from the app, newest first."""
    items, seen = [], set()
    for c in ContactLog.objects.filter(customer_id=customer_id).select_related("staff").order_by("-at")[:limit]:
        seen.add(c.contact_id)
        items.append({"at": c.at, "staff_id": c.staff.get_username(), "channel": c.channel, "outcome": c.outcome,
                      "product_id": c.product_id, "note": c.note, "amount": c.amount, "source": "app"})
    for c in ContactHistory.objects.filter(customer_id=customer_id).order_by("-at")[:limit]:
        if c.contact_id in seen:  # an app contact the next run ingested (export_contacts) comes back here
            continue
        items.append({"at": c.at, "staff_id": c.staff_id, "channel": c.channel, "outcome": c.outcome,
                      "product_id": c.product_id, "note": c.note or "", "amount": None, "source": "history"})
    items.sort(key=lambda i: i["at"], reverse=True)
    for i in items:
        i["channel_label"] = labels.CHANNEL_LABELS.get(i["channel"], i["channel"])
        i["outcome_label"] = ContactLog(outcome=i["outcome"]).outcome_label
    return items[:limit]


def _next_birthday(born: dt.date, day: dt.date) -> int:
    """Days until the next birthday (29 Feb counts as 28 Feb in other years)."""
    for year in (day.year, day.year + 1):
        try:
            b = born.replace(year=year)
        except ValueError:
            b = dt.date(year, 2, 28)
        if b >= day:
            return (b - day).days
    return 366


@login_required
def customer(request, customer_id: str):
    day = scope.business_day()
    c = scope.get_customer_or_404(request.user, customer_id, day)
    relatives = list(Relative.objects.filter(customer_id=customer_id).order_by("relation", "name"))
    for r in relatives:
        r.masked_name = mask_name(r.name)
        r.relation_label = labels.RELATION_LABELS.get(r.relation, r.relation)
        r.days_to_birthday = _next_birthday(r.birth_date, day)
    balances = list(BalanceSnapshot.objects.filter(customer_id=customer_id).order_by("as_of")
                    .values_list("as_of", "aum"))
    chart = {"dates": [d.isoformat() for d, _ in balances], "aum": [float(a) for _, a in balances]}
    holdings = list(Holding.objects.filter(customer_id=customer_id).order_by("matures_on", "-amount"))
    for h in holdings:
        h.category_label = labels.CATEGORY_LABELS.get(h.category or "", h.category or "")
        h.days_to_maturity = (h.matures_on - day).days if h.matures_on else None
    flows = list(Flow.objects.filter(customer_id=customer_id).order_by("-booked_at")[:20])
    for f in flows:
        f.kind_label = labels.FLOW_KIND_LABELS.get(f.kind, f.kind)
    signals = list(Signal.objects.filter(customer_id=customer_id).order_by("-date", "-urgency")[:30])
    for s in signals:
        s.label = labels.rule_label(s.rule)
    plans = list(ChannelPlan.objects.filter(customer_id=customer_id, valid_from__lte=day, valid_to__gte=day)
                 .exclude(channel="remote"))
    for p in plans:
        p.channel_label = labels.PLAN_CHANNEL_LABELS.get(p.channel, p.channel)
    task = Task.objects.filter(date=day, staff_id=_staff_id(request.user), customer_id=customer_id).first()
    if task is not None:
        _decorate(task, _offers([task]), _done_customers(request.user, day, [customer_id]), set())
    # "why is this customer not on my list today?" — the candidates the run set aside, with reasons
    excluded = [] if task is not None else list(
        ExcludedCandidate.objects.filter(date=day, customer_id=customer_id).order_by("rule")[:10])
    for e in excluded:
        e.label = labels.rule_label(e.rule)
    follow_ups = list(FollowUp.objects.filter(customer_id=customer_id, done_at__isnull=True).order_by("due_on")[:5])
    appointments = list(Appointment.objects.filter(customer_id=customer_id, cancelled=False,
                                                   starts_at__gte=_bounds(day)[0]).order_by("starts_at")[:5])
    dnd = bool(c.do_not_disturb) or ContactLog.objects.filter(customer_id=customer_id,
                                                              outcome="do_not_disturb").exists()
    assessed_until = c.risk_assessed_on + dt.timedelta(days=365) if c.risk_assessed_on else None
    ctx = {
        "c": c, "day": day, "masked_phone": mask_phone(c.phone), "relatives": relatives,
        "birthday_in": _next_birthday(c.birth_date, day),
        "chart": chart, "holdings": holdings, "flows": flows, "signals": signals, "plans": plans,
        "timeline": _timeline(customer_id), "task": task, "excluded": excluded, "follow_ups": follow_ups, "appointments": appointments,
        "four_basic": [(label, bool(getattr(c, field))) for field, label in labels.FOUR_BASIC],
        "persona_label": labels.PERSONA_LABELS.get(c.persona or "", c.persona or "—"),
        "preferred_channel_label": labels.CHANNEL_LABELS.get(c.preferred_channel or "", c.preferred_channel or ""),
        "familiarity_label": labels.FAMILIARITY_LABELS.get(c.familiarity or "", c.familiarity or "—"),
        "assessed_until": assessed_until,
        "assessment_valid": bool(assessed_until and assessed_until >= day),
        "dnd": dnd,
        "form": ContactForm(initial={"channel": (task.channel if task and task.channel else "phone")}),
    }
    return render(request, "workbench/customer.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def reveal(request, customer_id: str):
    """Show the unmasked phone and relatives' names, after a reason; each reveal is audited."""
    c = scope.get_customer_or_404(request.user, customer_id)
    form = RevealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record(request, AuditAction.REVEAL, object_type="customer", object_id=customer_id,
               detail={"reason": form.cleaned_data["reason"], "fields": ["phone", "relatives.name"]})
        relatives = list(Relative.objects.filter(customer_id=customer_id).order_by("relation", "name"))
        for r in relatives:
            r.relation_label = labels.RELATION_LABELS.get(r.relation, r.relation)
        return render(request, "workbench/_revealed.html", {"c": c, "relatives": relatives})
    return render(request, "workbench/_reveal_form.html", {"c": c, "form": form})


# --- logging a contact ---------------------------------------------------------------------------

def _product_exists(product_id: str) -> bool:
    return Product.objects.filter(product_id=product_id).exists()


@login_required
@require_http_methods(["GET", "POST"])
def contact(request, customer_id: str):
    """The contact form (GET, loaded into the task row or the 360) and its post."""
    day = scope.business_day()
    c = scope.get_customer_or_404(request.user, customer_id, day)
    origin = request.POST.get("origin") or request.GET.get("origin") or "customer"
    task = Task.objects.filter(date=day, staff_id=_staff_id(request.user), customer_id=customer_id).first()
    if request.method == "GET":
        form = ContactForm(initial={"channel": (task.channel if task and task.channel else "phone")})
        return render(request, "workbench/_contact_form.html", {"c": c, "form": form, "origin": origin, "task": task})

    form = ContactForm(request.POST, product_exists=_product_exists, today=day)
    if not form.is_valid():
        if _is_htmx(request):
            return render(request, "workbench/_contact_form.html",
                          {"c": c, "form": form, "origin": origin, "task": task})
        return render(request, "workbench/contact_page.html",
                      {"c": c, "form": form, "origin": origin, "task": task}, status=400)
    contact, _created = log_contact(request.user, customer_id, form.cleaned_data, request=request,
                                    task_date=task.date if task else None, appointment_kind=form.appointment_kind)
    msg = f"已记录：{c.name} · {contact.outcome_label}"
    if not _is_htmx(request):
        messages.success(request, msg)
        return redirect(reverse("workbench:today") if origin == "today" else reverse("workbench:customer",
                                                                                    args=[customer_id]))
    ctx = {"c": c, "contact": contact, "msg": msg, "origin": origin}
    if origin == "today":
        tasks = _visible_tasks(request.user, day)
        ctx["progress"] = _progress(request.user, day, tasks)
        ctx["task"] = next((t for t in tasks if t.customer_id == customer_id), None)
    else:
        ctx["timeline"] = _timeline(customer_id)
        ctx["form"] = ContactForm(initial={"channel": form.cleaned_data["channel"]})
    response = render(request, "workbench/_contact_saved.html", ctx)
    # the form swapped itself on errors; on success the whole task row (or contact panel) is redrawn
    target = f"#task-{customer_id}" if origin == "today" and ctx.get("task") else "#contact-panel"
    if origin == "today" and not ctx.get("task"):
        target = "this"
    return reswap(retarget(response, target), "outerHTML")


# --- schedule ------------------------------------------------------------------------------------

@login_required
def schedule(request):
    day = _parse_day(request.GET.get("date")) or scope.business_day()
    view = "day" if request.GET.get("view") == "day" else "week"
    start_day = day if view == "day" else day - dt.timedelta(days=day.weekday())
    n = 1 if view == "day" else 7
    days = [start_day + dt.timedelta(days=i) for i in range(n)]
    start, end = _bounds(start_day, n)
    follow_ups = list(FollowUp.objects.filter(staff=request.user, due_on__gte=days[0], due_on__lte=days[-1])
                      .order_by("due_on", "id"))
    appointments = list(Appointment.objects.filter(staff=request.user, cancelled=False, starts_at__gte=start,
                                                   starts_at__lt=end).order_by("starts_at"))
    overdue = list(FollowUp.objects.filter(staff=request.user, done_at__isnull=True, due_on__lt=days[0])
                   .order_by("due_on"))
    names = _customer_names([f.customer_id for f in follow_ups + overdue] + [a.customer_id for a in appointments])
    by_day = {d: {"day": d, "weekday": "一二三四五六日"[d.weekday()], "follow_ups": [], "appointments": [],
                  "is_today": d == scope.business_day()}
              for d in days}
    for f in follow_ups:
        by_day[f.due_on]["follow_ups"].append(f)
    for a in appointments:
        by_day[timezone.localdate(a.starts_at)]["appointments"].append(a)
    step = dt.timedelta(days=n)
    return render(request, "workbench/schedule.html", {
        "day": day, "view": view, "columns": list(by_day.values()), "overdue": overdue, "names": names,
        "prev": days[0] - step, "next": days[0] + step,
    })


@login_required
@require_POST
def follow_up_done(request, pk: int):
    f = FollowUp.objects.filter(pk=pk, staff=request.user).first()
    if f is None:
        raise Http404
    if f.done_at is None:
        f.done_at = timezone.now()
        f.save(update_fields=["done_at"])
    if _is_htmx(request):
        return render(request, "workbench/_follow_up.html",
                      {"f": f, "day": scope.business_day(), "names": _customer_names([f.customer_id])})
    nxt = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = reverse("workbench:schedule")  # never an open redirect
    return redirect(nxt)


# --- work log ------------------------------------------------------------------------------------

def _worklog_user(request):
    """The RM whose log is shown: oneself, or (for a manager) a staff member in their scope."""
    staff_id = request.GET.get("staff")
    if not staff_id or staff_id == request.user.get_username():
        return request.user
    allowed = scope.staff_ids_for(request.user)
    if allowed is not None and staff_id not in allowed:
        raise Http404
    p = StaffProfile.objects.select_related("user").filter(staff_id=staff_id).first()
    if p is None:
        raise Http404
    return p.user


def worklog_data(user, day: dt.date) -> dict:
    """The work log of ``user`` for ``day``, written from the day's records."""
    start, end = _bounds(day)
    contacts = list(ContactLog.objects.filter(staff=user, at__gte=start, at__lt=end).order_by("at"))
    appts = list(Appointment.objects.filter(staff=user, cancelled=False)
                 .filter(Q(starts_at__gte=start, starts_at__lt=end) | Q(created_at__gte=start, created_at__lt=end))
                 .order_by("starts_at"))
    tomorrow = day + dt.timedelta(days=1)
    t_start, t_end = _bounds(tomorrow)
    plan_tasks = list(Task.objects.filter(date=tomorrow, staff_id=_staff_id(user)).order_by("rank"))
    plan_follow = list(FollowUp.objects.filter(staff=user, done_at__isnull=True, due_on__lte=tomorrow)
                       .order_by("due_on"))
    plan_appts = list(Appointment.objects.filter(staff=user, cancelled=False, starts_at__gte=t_start,
                                                 starts_at__lt=t_end).order_by("starts_at"))
    ids = ([c.customer_id for c in contacts] + [a.customer_id for a in appts + plan_appts]
           + [t.customer_id for t in plan_tasks] + [f.customer_id for f in plan_follow])
    names = _customer_names(ids)
    products = Product.objects.in_bulk({c.product_id for c in contacts if c.product_id})
    sales = [c for c in contacts if c.outcome == "sold"]
    for c in contacts:
        c.customer_name = names[c.customer_id].name if c.customer_id in names else ""
        c.product_name = products[c.product_id].name if c.product_id in products else c.product_id
    for x in appts + plan_appts + plan_tasks + plan_follow:
        x.customer_name = names[x.customer_id].name if x.customer_id in names else ""
    for t in plan_tasks:
        t.badges = [labels.rule_label(r) for r in t.rule_list]
    remark = WorkLogRemark.objects.filter(staff=user, day=day).first()
    return {
        "day": day, "tomorrow": tomorrow, "staff": user, "contacts": contacts, "appointments": appts,
        "sales": sales, "sales_total": sum((c.amount or Decimal(0) for c in sales), Decimal(0)),
        "outcomes": Counter(c.outcome_label for c in contacts).most_common(),
        "customers_contacted": len({c.customer_id for c in contacts}),
        "plan_tasks": plan_tasks, "plan_follow_ups": plan_follow, "plan_appointments": plan_appts,
        "remark": remark.text if remark else "",
    }


@login_required
def worklog_today(request):
    return redirect("workbench:worklog", day=scope.business_day().isoformat())


@login_required
@require_http_methods(["GET", "POST"])
def worklog(request, day: str):
    d = _parse_day(day)
    if d is None:
        raise Http404
    user = _worklog_user(request)
    if request.method == "POST":
        if user != request.user:
            raise PermissionDenied  # a manager reads a log; only its RM writes the remarks
        form = RemarkForm(request.POST)
        if form.is_valid():
            WorkLogRemark.objects.update_or_create(staff=user, day=d, defaults={"text": form.cleaned_data["text"]})
            if _is_htmx(request):
                return render(request, "workbench/_remark.html",
                              {"remark": form.cleaned_data["text"], "day": d, "saved": True, "editable": True})
            messages.success(request, "备注已保存")
        return redirect("workbench:worklog", day=d.isoformat())
    ctx = worklog_data(user, d)
    ctx.update({"prev": d - dt.timedelta(days=1), "next": d + dt.timedelta(days=1),
                "editable": user == request.user, "profile": scope.profile_of(user),
                "staff_query": "" if user == request.user else f"?staff={user.get_username()}"})
    return render(request, "workbench/worklog.html", ctx)


@login_required
def worklog_xlsx(request, day: str):
    from .worklog_export import worklog_workbook

    d = _parse_day(day)
    if d is None:
        raise Http404
    user = _worklog_user(request)
    data = worklog_data(user, d)
    content = worklog_workbook(data, scope.profile_of(user))
    record(request, AuditAction.EXPORT, object_type="worklog", object_id=f"{user.get_username()}/{d.isoformat()}",
           detail={"format": "xlsx", "contacts": len(data["contacts"])})
    resp = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="worklog-{user.get_username()}-{d.isoformat()}.xlsx"'
    return resp


# --- team view -----------------------------------------------------------------------------------

@login_required
def team(request):
    if not scope.is_manager(request.user):
        raise PermissionDenied("团队视图仅供团队长和行长使用 / team view is for team leads and branch heads")
    day = _parse_day(request.GET.get("date")) or scope.business_day()
    ids = scope.staff_ids_for(request.user)
    p = scope.profile_of(request.user)
    # RMs from the published staff table, and synced users not (yet) in it
    people: dict[str, dict] = {}
    for model in (Staff, StaffProfile):
        qs = model.objects.filter(role__in=TEAM_ROLES)
        if ids is not None:
            qs = qs.filter(staff_id__in=ids)
        if scope.role_of(request.user) == "admin" and request.GET.get("branch"):
            qs = qs.filter(branch_id=request.GET["branch"])
        for x in qs.values("staff_id", "name", "role", "branch_id", "team"):
            people.setdefault(x["staff_id"], x)
    profiles = sorted(people.values(), key=lambda x: (x["branch_id"], x["team"] or "", x["staff_id"]))
    staff_ids = [x["staff_id"] for x in profiles]
    task_counts = dict(Task.objects.filter(date=day, staff_id__in=staff_ids).values("staff_id")
                       .annotate(n=Count("id")).values_list("staff_id", "n"))
    start, end = _bounds(day)
    logs = (ContactLog.objects.filter(at__gte=start, at__lt=end, staff__username__in=staff_ids)
            .values("staff__username", "outcome").annotate(n=Count("id"), amount=Sum("amount")))
    outcomes: dict[str, Counter] = defaultdict(Counter)
    sales: dict[str, Decimal] = defaultdict(Decimal)
    for row in logs:
        outcomes[row["staff__username"]][row["outcome"]] += row["n"]
        if row["outcome"] == "sold" and row["amount"]:
            sales[row["staff__username"]] += row["amount"]
    worked = _worked_counts(day, staff_ids)
    outcome_keys = [k for k, _ in ContactLog._meta.get_field("outcome").choices]
    rows = []
    for x in profiles:
        oc = outcomes.get(x["staff_id"], Counter())
        n_tasks = task_counts.get(x["staff_id"], 0)
        done = worked.get(x["staff_id"], 0)
        contacts = sum(oc.values())
        target = min(DAILY_TARGET, n_tasks) if n_tasks else DAILY_TARGET
        rows.append({"p": x, "tasks": n_tasks, "done": done, "left": n_tasks - done, "contacts": contacts,
                     "target": target, "pct": min(100, round(100 * contacts / target)) if target else 0,
                     "outcomes": [oc.get(k, 0) for k in outcome_keys], "sales": sales.get(x["staff_id"], Decimal(0))})
    totals = {"tasks": sum(r["tasks"] for r in rows), "done": sum(r["done"] for r in rows),
              "contacts": sum(r["contacts"] for r in rows), "left": sum(r["left"] for r in rows),
              "sales": sum((r["sales"] for r in rows), Decimal(0)),
              "outcomes": [sum(r["outcomes"][i] for r in rows) for i in range(len(outcome_keys))]}
    return render(request, "workbench/team.html", {
        "day": day, "rows": rows, "totals": totals, "profile": p,
        "outcome_labels": [ContactLog(outcome=k).outcome_label for k in outcome_keys],
        "role_labels": labels.ROLE_LABELS,
    })


def _worked_counts(day: dt.date, staff_ids: list[str]) -> dict[str, int]:
    """Tasks of ``day`` per RM whose customer that RM contacted on ``day`` (two queries, no N+1)."""
    start, end = _bounds(day)
    contacted = set(ContactLog.objects.filter(at__gte=start, at__lt=end, staff__username__in=staff_ids)
                    .values_list("staff__username", "customer_id"))
    counts: Counter = Counter()
    for sid, cid in Task.objects.filter(date=day, staff_id__in=staff_ids).values_list("staff_id", "customer_id"):
        if (sid, cid) in contacted:
            counts[sid] += 1
    return dict(counts)
