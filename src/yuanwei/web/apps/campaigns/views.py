"""Campaign pages: list, create (quotas + targets), detail, launch, rankings (+ Excel), live feed.

Plain function views. A branch head (or admin) creates and launches campaigns for their branch; team
leads and RMs see the campaigns of their branch and the rankings in their scope.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction
from yuanwei.web.apps.workbench import scope

from . import rankings
from .feed import headline
from .forms import CampaignForm
from .models import Campaign, Quota, Sale, SaleCredit
from .services import create_campaign, launch

CREATORS = frozenset({"branch_head", "admin"})


def _branch(user) -> str:
    p = scope.profile_of(user)
    return p.branch_id if p else ""


def _campaigns_for(user):
    qs = Campaign.objects.all()
    if scope.role_of(user) != "admin":
        qs = qs.filter(branch_id__in=["", _branch(user)])
    return qs


def _get(user, pk: int) -> Campaign:
    c = _campaigns_for(user).filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


@login_required
def campaign_list(request):
    rows = []
    for c in _campaigns_for(request.user).prefetch_related("products"):
        done = SaleCredit.objects.filter(campaign=c, reason="seller").aggregate(s=Sum("amount"))["s"] or 0
        quota = c.quotas.filter(level=Quota.BRANCH).aggregate(s=Sum("amount"))["s"]
        rows.append({"c": c, "done": done, "quota": quota, "pct": (float(done / quota * 100) if quota else None)})
    return render(request, "campaigns/list.html", {"rows": rows, "can_create": scope.role_of(request.user) in CREATORS})


@login_required
def campaign_create(request):
    if scope.role_of(request.user) not in CREATORS:
        raise PermissionDenied
    day = timezone.localdate()
    form = CampaignForm(request.POST or None, day=day,
                        initial={"starts_on": day, "ends_on": day + dt.timedelta(days=30)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        c = create_campaign(user=request.user, branch_id=_branch(request.user), name=d["name"],
                            product_ids=d["products"], starts_on=d["starts_on"], ends_on=d["ends_on"],
                            branch_quota=d["branch_quota"], segment_filters=form.segment(), day=day,
                            junior_weight=d["junior_weight"], double_credit=d["double_credit"],
                            bonus_multiplier=d["bonus_multiplier"], shortfall_deduction=d["shortfall_deduction"],
                            lever=d["lever"])
        messages.success(request, f"已创建「{c.name}」：目标客户 {c.targets.count()} 人 / campaign created")
        return redirect("campaigns:detail", pk=c.pk)
    return render(request, "campaigns/create.html", {"form": form})


@login_required
def campaign_detail(request, pk: int):
    c = _get(request.user, pk)
    board = rankings.leaderboard(c, "rm", staff_ids=scope.staff_ids_for(request.user))
    teams = rankings.leaderboard(c, "team")
    return render(request, "campaigns/detail.html", {
        "c": c, "board": board, "teams": teams, "targets": c.targets.count(),
        "notified": c.targets.filter(notified=True).count(),
        "can_launch": scope.role_of(request.user) in CREATORS and c.status == Campaign.DRAFT})


@login_required
@require_POST
def campaign_launch(request, pk: int):
    c = _get(request.user, pk)
    if scope.role_of(request.user) not in CREATORS:
        raise PermissionDenied
    if c.status != Campaign.DRAFT:
        messages.info(request, "活动已启动 / already launched")
        return redirect("campaigns:detail", pk=c.pk)
    result = launch(c, request.user)
    messages.success(request, f"已启动：预热短信 {result['queued']} 条入队，{result['refused']} 位客户未授权营销被跳过；"
                              f"{result['levers']} 位目标客户在明日任务中优先 / launched")
    return redirect("campaigns:detail", pk=c.pk)


@login_required
def campaign_rankings(request, pk: int):
    c = _get(request.user, pk)
    by = request.GET.get("by", "rm") if request.GET.get("by") in rankings.LEVEL_FIELD else "rm"
    period = request.GET.get("period", "all")
    day = None
    if period == "day":
        try:
            day = dt.date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
    staff_ids = scope.staff_ids_for(request.user) if by == "rm" else None
    board = rankings.leaderboard(c, by, day=day, staff_ids=staff_ids)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, c, by, board)
    return render(request, "campaigns/rankings.html", {
        "c": c, "board": board, "by": by, "period": period, "day": day or timezone.localdate(),
        "history": rankings.daily_history(c, "branch") if by == "branch" else None})


def _xlsx(request, c, by, board) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "排名 Ranking"
    ws.append(["名次 rank", "名称 name", "业绩 credited (¥)", "笔数 count", "指标 quota (¥)", "完成率 %", "考核得分 score"])
    for r in board:
        ws.append([r["rank"], r["name"], float(r["amount"]), r["count"],
                   float(r["quota"]) if r["quota"] is not None else None,
                   round(r["pct"], 2) if r["pct"] is not None else None, float(r["score"])])
    resp = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="campaign-{c.pk}-{by}.xlsx"'
    wb.save(resp)
    record(request, AuditAction.EXPORT, object_type="campaign_ranking", object_id=str(c.pk), detail={"by": by})
    return resp


def _feed_sales(user, after: int = 0, limit: int = 50):
    qs = Sale.objects.filter(pk__gt=after).order_by("-pk")
    staff_ids = scope.staff_ids_for(user)
    if staff_ids is not None:
        branch = _branch(user)
        qs = qs.filter(branch_id=branch) if scope.role_of(user) == "branch_head" else qs.filter(staff_id__in=staff_ids)
    return [{"id": s.pk, "text": headline(s), "at": s.created_at} for s in qs[:limit]]


@login_required
def feed(request):
    items = _feed_sales(request.user)
    return render(request, "campaigns/feed.html", {"items": items, "last": items[0]["id"] if items else 0})


@login_required
def feed_items(request):
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    items = _feed_sales(request.user, after)
    resp = render(request, "campaigns/_feed_items.html", {"items": items})
    if items:
        resp["X-Feed-Last"] = str(items[0]["id"])
    return resp
