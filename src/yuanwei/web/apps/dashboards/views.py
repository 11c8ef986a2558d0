"""Dashboards (经营看板): coverage, the four basic products, deposits and AUM against targets,
familiarity mix and movement (one page), and the payroll prospect list. Managers only; each list
exports to Excel (?format=xlsx)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils import timezone

from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction
from yuanwei.web.apps.customers.models import TIERS, Employer, Staff

from .export import xlsx_response
from .forms import TargetForm
from .models import DailyCoverage, FamiliarityMove, Target
from .scope import scope_for
from .snapshot import BASIC, COUNTS, aggregate, contacted_q, ensure_day

BASIC_LABELS = {"mobile_banking": "手机银行", "credit_card": "信用卡", "third_party_binding": "第三方支付绑卡",
                "investment": "投资理财"}
BASELINE_DAYS = 30
PAYROLL_MIN_CUSTOMERS = 5


def _share(n, d):
    return (n / d) if d else None


def _sum(rows, keys=COUNTS + ("aum", "deposits")) -> dict:
    out = {k: 0 for k in keys}
    for r in rows:
        for k in keys:
            out[k] += r[k]
    return out


def _with_shares(t: dict) -> dict:
    n = t["customers"]
    t["share_30"], t["share_90"] = _share(t["contacted_30"], n), _share(t["contacted_90"], n)
    for b in BASIC:
        t[f"{b}_share"] = _share(t[b], n)
    return t


def coverage_data(user, day: dt.date) -> dict:
    """Everything the coverage page shows, for ``user``'s scope on ``day``: live numbers from the
    published profile and the logged contacts; changes against the snapshot ~30 days before."""
    sc = scope_for(user)
    if day == timezone.localdate():
        ensure_day(day)  # today's history point exists once someone looked, even without a publish
    rows = aggregate(sc.customers(), day)
    total = _with_shares(_sum(rows))
    by_tier = []
    for tier in (*TIERS, ""):
        t = [r for r in rows if r["tier"] == tier]
        if t:
            by_tier.append({"tier": tier or "未分级", **_with_shares(_sum(t))})
    per_rm = defaultdict(list)
    for r in rows:
        per_rm[r["staff_id"]].append(r)
    names = dict(Staff.objects.filter(staff_id__in=[s for s in per_rm if s]).values_list("staff_id", "name"))
    by_rm = [{"staff_id": s, "name": names.get(s, s) if s else "未分配（长尾客户）", **_with_shares(_sum(per_rm[s]))}
             for s in sorted(per_rm, key=lambda s: (s == "", s))]
    # the baseline: the latest snapshot at least BASELINE_DAYS old, else the oldest one there is
    snaps = DailyCoverage.objects.filter(sc.rows(), date__lt=day)
    base_day = (snaps.filter(date__lte=day - dt.timedelta(days=BASELINE_DAYS)).order_by("-date")
                .values_list("date", flat=True).first()
                or snaps.order_by("date").values_list("date", flat=True).first())
    base = None
    if base_day:
        base = _with_shares(_sum(list(snaps.filter(date=base_day).values(*COUNTS, "aum", "deposits"))))
    penetration = [{"key": b, "label": BASIC_LABELS[b], "count": total[b], "share": total[f"{b}_share"],
                    "base_share": base[f"{b}_share"] if base else None,
                    "change": (total[f"{b}_share"] - base[f"{b}_share"])
                    if base and total[f"{b}_share"] is not None and base[f"{b}_share"] is not None else None}
                   for b in BASIC]
    targets = {}
    if sc.staff_ids is None:  # targets are set per branch
        tq = Target.objects.filter(period_start__lte=day, period_end__gte=day)
        if sc.branch_id is not None:
            tq = tq.filter(branch_id=sc.branch_id)
        # per branch and metric the target of the most recent period covering the day; summed over branches
        chosen = {}
        for branch, metric, amount in tq.order_by("period_start", "id").values_list("branch_id", "metric", "amount"):
            chosen[(branch, metric)] = amount
        for (_, metric), amount in chosen.items():
            targets[metric] = targets.get(metric, Decimal(0)) + amount
    money = [{"key": m, "label": label, "value": total[m], "target": targets.get(m),
              "progress": _share(total[m], targets[m]) if targets.get(m) else None,
              "base": base[m] if base else None,
              "change": (total[m] - base[m]) if base else None}
             for m, label in (("deposits", "存款"), ("aum", "资产（AUM）"))]
    fam = [{"level": lv, "count": total[f"fam_{lv.lower()}"],
            "share": _share(total[f"fam_{lv.lower()}"], total["customers"])} for lv in ("A", "B", "C")]
    unrated = total["customers"] - sum(f["count"] for f in fam)
    since = day - dt.timedelta(days=BASELINE_DAYS)
    moves = {(m["from_level"], m["to_level"]): m["n"] for m in FamiliarityMove.objects.filter(
        sc.rows(), date__gt=since, date__lte=day).values("from_level", "to_level").annotate(n=Count("id"))}
    movement = [{"label": f"{a or '未评'}→{b or '未评'}", "from": a, "to": b, "count": n,
                 "up": (a or "D") > (b or "D")} for (a, b), n in sorted(moves.items())]
    trend = list(DailyCoverage.objects.filter(sc.rows(), date__gt=day - dt.timedelta(days=90), date__lte=day)
                 .values("date").annotate(n=Sum("customers"), c30=Sum("contacted_30"), c90=Sum("contacted_90"),
                                          **{b: Sum(b) for b in BASIC}).order_by("date"))

    def pct_series(key):
        return [round(100 * t[key] / t["n"], 1) if t["n"] else None for t in trend]

    chart = {"dates": [t["date"].isoformat() for t in trend],
             "series": [{"name": "30天覆盖率", "data": pct_series("c30")}, {"name": "90天覆盖率", "data": pct_series("c90")}]
             + [{"name": BASIC_LABELS[b], "data": pct_series(b)} for b in BASIC]}
    return {"scope": sc, "day": day, "total": total, "by_tier": by_tier, "by_rm": by_rm, "penetration": penetration,
            "base_day": base_day, "money": money, "familiarity": fam, "unrated": unrated, "movement": movement,
            "chart": chart}


@login_required
def coverage(request):
    day = timezone.localdate()  # live numbers are today's; earlier days are read from the snapshots
    data = coverage_data(request.user, day)
    if request.GET.get("format") == "xlsx":
        record(request, AuditAction.EXPORT, object_type="dashboard_coverage", object_id=day.isoformat(),
               detail={"rows": len(data["by_rm"]) + len(data["by_tier"])})
        header = ["维度", "名称", "客户数", "30天内联系", "30天覆盖率", "90天内联系", "90天覆盖率",
                  *BASIC_LABELS.values(), "熟悉度A", "熟悉度B", "熟悉度C", "存款(元)", "资产(元)"]

        def line(kind, name, r):
            return [kind, name, r["customers"], r["contacted_30"], r["share_30"], r["contacted_90"], r["share_90"],
                    *[r[b] for b in BASIC], r["fam_a"], r["fam_b"], r["fam_c"], r["deposits"], r["aum"]]

        rows = ([line("合计", data["scope"].label, data["total"])]
                + [line("等级", t["tier"], t) for t in data["by_tier"]]
                + [line("客户经理", f"{r['name']} {r['staff_id']}".strip(), r) for r in data["by_rm"]]
                + [["熟悉度变化（30天）", m["label"], m["count"]] for m in data["movement"]])
        return xlsx_response(f"coverage-{day.isoformat()}.xlsx", "覆盖率", header, rows,
                             subtitle=f"客户覆盖与基础产品 {day.isoformat()} {data['scope'].label}")
    if data["scope"].branch_id is not None and data["scope"].staff_ids is None:
        data["target_form"] = TargetForm(initial={"period_start": day.replace(day=1),
                                                  "period_end": day.replace(month=12, day=31)})
    return render(request, "dashboards/coverage.html", data)


@login_required
@require_POST
def set_target(request):
    """A branch head sets their branch's deposits or AUM target for a period (replacing one for the
    same metric and period); admins set targets in the admin."""
    sc = scope_for(request.user)
    if sc.branch_id is None or sc.staff_ids is not None:
        raise PermissionDenied("仅支行行长可设定本行目标 / only a branch head sets the branch's targets")
    form = TargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "目标有误 / invalid target: " + "；".join(
            e for errs in form.errors.values() for e in errs))
        return redirect("dashboards:coverage")
    d = form.cleaned_data
    target, _ = Target.objects.update_or_create(
        branch_id=sc.branch_id, metric=d["metric"], period_start=d["period_start"], period_end=d["period_end"],
        defaults={"amount": d["amount"], "set_by": request.user})
    record(request, "target_set", object_type="target", object_id=str(target.pk),
           detail={"branch": sc.branch_id, "metric": d["metric"], "amount": str(d["amount"])})
    messages.success(request, f"已设定{target.get_metric_display()}目标 ¥{d['amount']:,.2f}")
    return redirect("dashboards:coverage")


def payroll_prospects(user, min_customers: int = PAYROLL_MIN_CUSTOMERS) -> list[dict]:
    """Employers without the bank's payroll service (代发工资) that employ at least ``min_customers``
    of the bank's customers in the user's scope, most customers first."""
    sc = scope_for(user)
    no_payroll = Employer.objects.exclude(payroll_with_bank=True).values("employer_id")
    rows = list(sc.customers().filter(employer_id__in=no_payroll).values("employer_id").annotate(
        n=Count("pk"), aum=Sum("aum"), with_payroll=Count("pk", filter=Q(has_payroll=True)),
        consent=Count("pk", filter=Q(marketing_consent=True)))
        .filter(n__gte=min_customers).order_by("-n", "employer_id"))
    employers = {e.employer_id: e for e in Employer.objects.filter(employer_id__in=[r["employer_id"] for r in rows])}
    out = []
    for r in rows:
        e = employers[r["employer_id"]]
        out.append({"employer_id": e.employer_id, "name": e.name, "industry": e.industry or "",
                    "headcount": e.headcount, "customers": r["n"], "aum": Decimal(r["aum"] or 0),
                    "with_payroll": r["with_payroll"], "consent": r["consent"],
                    "share": _share(r["n"], e.headcount) if e.headcount else None})
    return out


@login_required
def payroll(request):
    try:
        minimum = max(1, int(request.GET.get("min", PAYROLL_MIN_CUSTOMERS)))
    except ValueError:
        minimum = PAYROLL_MIN_CUSTOMERS
    rows = payroll_prospects(request.user, minimum)
    if request.GET.get("format") == "xlsx":
        record(request, AuditAction.EXPORT, object_type="dashboard_payroll", detail={"rows": len(rows)})
        return xlsx_response("payroll-prospects.xlsx", "代发工资潜在客户", [
            "单位编号", "单位名称", "行业", "员工人数", "我行客户数", "占员工比例", "已签约代发的客户", "营销授权客户", "客户资产(元)"],
            [[r["employer_id"], r["name"], r["industry"], r["headcount"], r["customers"], r["share"],
              r["with_payroll"], r["consent"], r["aum"]] for r in rows])
    return render(request, "dashboards/payroll.html", {"rows": rows, "minimum": minimum,
                                                       "scope": scope_for(request.user)})


UNCOVERED_PAGE = 200


@login_required
def uncovered(request):
    """The customers of the scope not contacted in 30 or 90 days, highest AUM first; by RM
    (``rm=<staff_id>``, ``rm=none`` for the unassigned long tail) and tier. The page shows the first
    200; the Excel export has them all."""
    sc = scope_for(request.user)
    day = timezone.localdate()
    days = 30 if request.GET.get("days") == "30" else 90
    qs = sc.customers().exclude(contacted_q(day, days))
    rm, tier = request.GET.get("rm", ""), request.GET.get("tier", "")
    if rm == "none":
        qs = qs.filter(rm="")
    elif rm:
        qs = qs.filter(rm=rm)
    if tier:
        qs = qs.filter(tier=tier)
    qs = qs.order_by("-aum", "customer_id").values("customer_id", "name", "tier", "rm", "aum", "last_contact_at",
                                                   "familiarity")
    if request.GET.get("format") == "xlsx":
        rows = list(qs)
        record(request, AuditAction.EXPORT, object_type="dashboard_uncovered", detail={"rows": len(rows), "days": days})
        return xlsx_response(f"uncovered-{days}d-{day.isoformat()}.xlsx", f"{days}天未联系客户", [
            "客户号", "客户", "等级", "客户经理", "熟悉度", "资产(元)", "最近联系"],
            [[r["customer_id"], r["name"], r["tier"] or "", r["rm"] or "未分配", r["familiarity"] or "", r["aum"],
              timezone.localtime(r["last_contact_at"]).strftime("%Y-%m-%d") if r["last_contact_at"] else ""]
             for r in rows], subtitle=f"{sc.label} · {day.isoformat()} · {days}天内未联系")
    total = qs.count()
    rows = list(qs[:UNCOVERED_PAGE])
    names = dict(Staff.objects.filter(staff_id__in={r["rm"] for r in rows if r["rm"]}).values_list("staff_id", "name"))
    for r in rows:
        r["rm_name"] = names.get(r["rm"], r["rm"]) if r["rm"] else "未分配"
    return render(request, "dashboards/uncovered.html", {
        "scope": sc, "day": day, "days": days, "rows": rows, "total": total, "rm": rm, "tier": tier,
        "tiers": TIERS, "query": request.GET.urlencode()})
