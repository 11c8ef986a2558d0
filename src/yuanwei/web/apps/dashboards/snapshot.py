"""Coverage, penetration, familiarity and balances aggregated per (branch, RM, tier) for a day, from
the published profile and the RMs' logged contacts; and the day's snapshot of them.

Definitions (also in docs/events-and-dashboards.md):
- a customer's RM is their remote RM, else their owner; neither: the unassigned long tail;
- *contacted in N days* on day D: a recorded contact (any outcome, any channel) at or after the start
  of D−(N−1) — the published profile's last contact (the bank's contacts up to D−1) or a contact an
  RM logged in the app;
- penetration of a basic product: customers who have it / customers;
- deposits = current + time deposits of the latest balance snapshot; AUM as published.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from yuanwei.web.apps.customers.models import Customer
from yuanwei.web.apps.workbench.models import ContactLog

from .models import DailyCoverage, FamiliarityMark, FamiliarityMove

log = logging.getLogger(__name__)

BASIC = ("mobile_banking", "credit_card", "third_party_binding", "investment")
COUNTS = ("customers", "contacted_30", "contacted_90", *BASIC, "fam_a", "fam_b", "fam_c")
MONEY = ("aum", "deposits")
CENT = Decimal("0.01")


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def with_rm(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    return qs.annotate(rm=Coalesce(NullIf("remote_staff_id", Value("")), NullIf("owner_staff_id", Value("")),
                                   Value("")))


def contacted_q(day: dt.date, days: int) -> Q:
    """Customers with a recorded contact in the ``days`` days ending on ``day``."""
    end = day_start(day + dt.timedelta(days=1))
    since = day_start(day - dt.timedelta(days=days - 1))
    logged = ContactLog.objects.filter(at__gte=since, at__lt=end).values("customer_id")
    return Q(last_contact_at__gte=since, last_contact_at__lt=end) | Q(customer_id__in=logged)


def aggregate(customers: QuerySet[Customer], day: dt.date) -> list[dict]:
    """One dict per (branch_id, staff_id, tier) with the COUNTS and MONEY of ``customers`` on ``day``;
    one query."""
    def contacted(days: int) -> Q:
        return contacted_q(day, days)

    rows = (with_rm(customers).values("branch_id", "rm", "tier").annotate(
        customers=Count("pk"),
        contacted_30=Count("pk", filter=contacted(30)),
        contacted_90=Count("pk", filter=contacted(90)),
        **{b: Count("pk", filter=Q(**{f"has_{b}": True})) for b in BASIC},
        fam_a=Count("pk", filter=Q(familiarity="A")),
        fam_b=Count("pk", filter=Q(familiarity="B")),
        fam_c=Count("pk", filter=Q(familiarity="C")),
        aum=Sum("aum"), current_sum=Sum("current"), td_sum=Sum("time_deposit"),
    ).order_by("branch_id", "rm", "tier"))
    out = []
    for r in rows:
        out.append({"branch_id": r["branch_id"] or "", "staff_id": r["rm"] or "", "tier": r["tier"] or "",
                    **{k: r[k] for k in COUNTS},
                    "aum": Decimal(r["aum"] or 0).quantize(CENT),
                    "deposits": (Decimal(r["current_sum"] or 0) + Decimal(r["td_sum"] or 0)).quantize(CENT)})
    return out


def record_day(day: dt.date) -> int:
    """Replace ``day``'s coverage snapshot (every branch) and record familiarity moves since the last
    snapshot. Idempotent: recording a day again gives the same rows. Returns the rows written."""
    rows = aggregate(Customer.objects.all(), day)
    with transaction.atomic():
        DailyCoverage.objects.filter(date=day).delete()
        DailyCoverage.objects.bulk_create([DailyCoverage(date=day, **r) for r in rows], batch_size=1000)
        _record_familiarity(day)
    return len(rows)


def ensure_day(day: dt.date) -> None:
    """Record ``day`` once when a page needs it and no publish did."""
    if not DailyCoverage.objects.filter(date=day).exists():
        try:
            record_publication(day)
        except IntegrityError:
            pass  # two first views at once: the other request recorded it


def _record_familiarity(day: dt.date) -> None:
    marks = dict(FamiliarityMark.objects.values_list("customer_id", "familiarity"))
    moves, changed, new = [], [], []
    for cid, fam, branch, rm in with_rm(Customer.objects.all()).values_list(
            "customer_id", "familiarity", "branch_id", "rm").iterator(chunk_size=5000):
        fam = fam or ""
        before = marks.get(cid)
        if before is None:
            new.append(FamiliarityMark(customer_id=cid, familiarity=fam, seen_on=day))
        elif before != fam:
            moves.append(FamiliarityMove(date=day, customer_id=cid, branch_id=branch or "", staff_id=rm or "",
                                         from_level=before, to_level=fam))
            changed.append(FamiliarityMark(customer_id=cid, familiarity=fam, seen_on=day))
    FamiliarityMark.objects.bulk_create(new, batch_size=2000)
    if changed:
        # one prepared UPDATE per row: bulk_update's CASE expressions take minutes at 10,000 rows
        table = connection.ops.quote_name(FamiliarityMark._meta.db_table)
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {table} SET familiarity = %s, seen_on = %s WHERE customer_id = %s",
                            [(m.familiarity, m.seen_on, m.customer_id) for m in changed])
    FamiliarityMove.objects.bulk_create(moves, batch_size=2000)


BACKFILL_WEEKS = 12


def backfill(day: dt.date, weeks: int = BACKFILL_WEEKS) -> list[dt.date]:
    """History for a bank's first publish, so movement shows from the first day: one snapshot a week
    for ``weeks`` weeks before ``day``, rebuilt from what the published tables keep with dates —
    services (held when ``since`` ≤ d−1, as the daily run counts them), contacts (the bank's
    ``contacts`` and the RMs' logged ones) and the daily balance snapshots of d−1. Customers are
    grouped by their *current* branch, RM and tier (earlier assignments are not kept), and
    familiarity is left at zero: its history is not kept either. Days already recorded are skipped.
    Returns the days written."""
    from yuanwei.web.apps.customers.models import BalanceSnapshot, ContactHistory, Service

    have = set(DailyCoverage.objects.filter(date__lt=day).values_list("date", flat=True))
    days = [d for d in (day - dt.timedelta(weeks=k) for k in range(1, weeks + 1)) if d not in have]
    if not days:
        return []

    def contacted(d: dt.date, n: int) -> Q:
        since, end = day_start(d - dt.timedelta(days=n - 1)), day_start(d + dt.timedelta(days=1))
        bank = ContactHistory.objects.filter(at__gte=since, at__lt=end).values("customer_id")
        logged = ContactLog.objects.filter(at__gte=since, at__lt=end).values("customer_id")
        return Q(customer_id__in=bank) | Q(customer_id__in=logged)

    rows: dict[tuple, dict] = {}
    for d in days:
        held = {b: Q(customer_id__in=Service.objects.filter(service=b, since__lte=d - dt.timedelta(days=1))
                     .values("customer_id")) for b in BASIC}
        for r in (with_rm(Customer.objects.filter(opened_on__lt=d)).values("branch_id", "rm", "tier").annotate(
                customers=Count("pk"), contacted_30=Count("pk", filter=contacted(d, 30)),
                contacted_90=Count("pk", filter=contacted(d, 90)),
                **{b: Count("pk", filter=held[b]) for b in BASIC})):
            key = (d, r["branch_id"] or "", r["rm"] or "", r["tier"] or "")
            rows[key] = {**{k: r[k] for k in ("customers", "contacted_30", "contacted_90", *BASIC)},
                         "aum": Decimal(0), "deposits": Decimal(0)}
    # one pass over the balance history for every day (the day's figures are those of d−1)
    on = {d - dt.timedelta(days=1): d for d in days}
    for r in (BalanceSnapshot.objects.filter(as_of__in=list(on)).annotate(
            rm=Coalesce(NullIf("customer__remote_staff_id", Value("")),
                        NullIf("customer__owner_staff_id", Value("")), Value("")))
            .values("as_of", "customer__branch_id", "rm", "customer__tier")
            .annotate(aum_sum=Sum("aum"), cur=Sum("current"), td=Sum("time_deposit"))):
        key = (on[r["as_of"]], r["customer__branch_id"] or "", r["rm"] or "", r["customer__tier"] or "")
        if key in rows:
            rows[key]["aum"] = Decimal(r["aum_sum"] or 0).quantize(CENT)
            rows[key]["deposits"] = (Decimal(r["cur"] or 0) + Decimal(r["td"] or 0)).quantize(CENT)
    DailyCoverage.objects.bulk_create(
        [DailyCoverage(date=d, branch_id=b, staff_id=s, tier=t, **v) for (d, b, s, t), v in rows.items()],
        batch_size=1000)
    return sorted(days)


def record_publication(day: dt.date) -> None:
    """What a publish records: the day's snapshot, and on a bank's first publish the history."""
    with transaction.atomic():
        record_day(day)
        if not DailyCoverage.objects.filter(date__lt=day).exists():
            backfill(day)
