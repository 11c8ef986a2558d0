"""An event's lifecycle: invitation list from a segment → invitation messages and calls → RSVP →
attendance → follow-ups. Views call these; tests drive them directly too.

Compliance holds at each step: invitation messages go through the outbox, which refuses customers
without marketing consent or who asked not to be disturbed (the refusal is kept on the invitation and
the RM's call task still goes out, unless the customer is do-not-call); an event with products offers
them only to customers for whom one is suitable (DESIGN §5); relationship-only events carry none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from yuanwei.web.apps.customers.models import Customer, Product
from yuanwei.web.apps.customers.segments import offers_config, segment_queryset, suitable
from yuanwei.web.apps.workbench.models import FollowUp

from .models import Event, Invitation

FOLLOW_UP_AFTER_DAYS = 2  # the thank-you / follow-up call two days after the event


@dataclass
class InviteResult:
    invited: int = 0
    messages: int = 0
    already: int = 0
    unsuitable: int = 0
    without_rm: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # why a message was not sent → count

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def invitation_text(event: Event, customer: Customer) -> str:
    title = {"M": "先生", "F": "女士"}.get(customer.gender, "")
    when = timezone.localtime(event.starts_at)
    return (f"尊敬的{customer.name[:1]}{title}：诚邀您于{when:%m月%d日 %H:%M}到{event.place}参加"
            f"「{event.name}」。名额有限，报名请联系您的客户经理。")


def _due_for_invitation(event: Event, today: dt.date) -> dt.date:
    # call within two days, and at the latest the day before the event
    last = timezone.localtime(event.starts_at).date() - dt.timedelta(days=1)
    return max(today, min(today + dt.timedelta(days=2), last))


def invite(event: Event, segment: dict, *, scope: QuerySet[Customer], by, limit: int | None = None,
           today: dt.date | None = None) -> InviteResult:
    """Build the invitation list from ``segment`` within ``scope`` (the manager's customers), best
    customers (highest AUM) first, up to ``limit`` (default twice the capacity: about half accept).
    Each invitee gets an invitation message (when allowed) and a call task for their RM."""
    if event.status in (Event.Status.HELD, Event.Status.CANCELLED):
        raise ValidationError("活动已结束或取消，不能再邀约 / the event is over or cancelled")
    today = today or timezone.localdate()
    limit = limit or 2 * event.capacity
    result = InviteResult()
    already = set(event.invitations.values_list("customer_id", flat=True))
    qs = segment_queryset(scope.filter(branch_id=event.branch_id), segment).order_by("-aum", "customer_id")
    products = list(Product.objects.filter(product_id__in=event.product_list).values(
        "product_id", "category", "risk_rating", "min_amount"))
    cfg = offers_config() if products else None
    chosen: list[Customer] = []
    for c in qs.iterator(chunk_size=500):
        if len(chosen) >= limit:
            break
        if c.customer_id in already:
            result.already += 1
            continue
        if products and not suitable(products, {
                "risk_level": c.risk_level, "risk_assessed_on": c.risk_assessed_on, "age": c.age, "aum": c.aum},
                today, cfg):
            result.unsuitable += 1
            continue
        chosen.append(c)
    rm_of = {c.customer_id: (c.remote_staff_id or c.owner_staff_id or "") for c in chosen}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=set(rm_of.values()) - {""},
                                                                     is_active=True)}
    from yuanwei.web.apps.outreach.delivery import Refused, queue_message

    due = _due_for_invitation(event, today)
    when = timezone.localtime(event.starts_at)
    with transaction.atomic():
        for c in chosen:
            inv = Invitation(event=event, customer_id=c.customer_id, staff_id=rm_of[c.customer_id])
            try:
                inv.message, created = queue_message(
                    key=f"event:{event.pk}:{c.customer_id}", customer=c, purpose="event_invitation", gateway="sms",
                    text=invitation_text(event, c), staff=by, source="event", source_ref=str(event.pk))
                result.messages += 1
            except Refused as e:
                inv.message_refused = str(e)[:200]
                result.refused[inv.message_refused] = result.refused.get(inv.message_refused, 0) + 1
            staff = users.get(inv.staff_id)
            if staff is not None and not c.do_not_call:
                inv.invite_task = FollowUp.objects.create(
                    customer_id=c.customer_id, staff=staff, due_on=due,
                    note=f"活动邀约：{event.name}（{when:%m-%d %H:%M} {event.place}），请电话确认是否参加")
            elif staff is None:
                result.without_rm += 1
            inv.save()
            result.invited += 1
        if event.status == Event.Status.PLANNED:
            event.status = Event.Status.INVITING
            event.save(update_fields=["status"])
    return result


def seats_taken(event: Event, excluding: int | None = None) -> int:
    qs = event.invitations.filter(rsvp=Invitation.Rsvp.ACCEPTED)
    if excluding:
        qs = qs.exclude(pk=excluding)
    agg = qs.aggregate(n=Sum("guests"))
    return qs.count() + (agg["n"] or 0)


def record_rsvp(invitation: Invitation, rsvp: str, guests: int = 0) -> Invitation:
    """The customer's answer; an acceptance needs seats left (the customer plus their guests). The
    RM's invitation call is done once the customer answered."""
    if rsvp not in Invitation.Rsvp.values:
        raise ValidationError(f"未知回复 / unknown RSVP: {rsvp}")
    event = invitation.event
    if event.status in (Event.Status.HELD, Event.Status.CANCELLED):
        raise ValidationError("活动已结束或取消 / the event is over or cancelled")
    guests = int(guests or 0) if rsvp == Invitation.Rsvp.ACCEPTED else 0
    with transaction.atomic():
        if rsvp == Invitation.Rsvp.ACCEPTED:
            left = event.capacity - seats_taken(event, excluding=invitation.pk)
            if 1 + guests > left:
                raise ValidationError(f"名额不足：剩余{max(left, 0)}个 / not enough seats: {max(left, 0)} left")
        invitation.rsvp, invitation.guests, invitation.rsvp_at = rsvp, guests, timezone.now()
        invitation.save(update_fields=["rsvp", "guests", "rsvp_at"])
        if rsvp != Invitation.Rsvp.PENDING and invitation.invite_task_id:
            FollowUp.objects.filter(pk=invitation.invite_task_id, done_at__isnull=True).update(done_at=timezone.now())
    return invitation


def record_attendance(invitation: Invitation, attended: bool, now: dt.datetime | None = None) -> Invitation:
    """Attendance is recorded from the event's day on (not before it happened)."""
    now = now or timezone.now()
    event = invitation.event
    if timezone.localtime(now).date() < timezone.localtime(event.starts_at).date():
        raise ValidationError("活动尚未举行，不能登记出席 / the event has not taken place yet")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError("活动已取消 / the event was cancelled")
    invitation.attended = bool(attended)
    invitation.save(update_fields=["attended"])
    return invitation


def close_event(event: Event, now: dt.datetime | None = None) -> int:
    """Mark the event held and give each RM a follow-up task for their invitees who came (thank them;
    for an event with products, ask about them) and for those who accepted but did not come (care
    call). Safe to call twice: an invitation gets one follow-up. Returns the number of tasks made."""
    now = now or timezone.now()
    day = timezone.localtime(event.starts_at).date()
    if timezone.localtime(now).date() < day:
        raise ValidationError("活动尚未举行 / the event has not taken place yet")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError("活动已取消 / the event was cancelled")
    due = max(day + dt.timedelta(days=FOLLOW_UP_AFTER_DAYS), timezone.localtime(now).date())
    pending = list(event.invitations.filter(follow_up__isnull=True).filter(
        Q(attended=True) | Q(rsvp=Invitation.Rsvp.ACCEPTED, attended=False)).exclude(staff_id=""))
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in={i.staff_id for i in pending}, is_active=True)}
    products = ""
    if not event.relationship_only and event.product_list:
        names = dict(Product.objects.filter(product_id__in=event.product_list).values_list("product_id", "name"))
        products = "，了解对" + "、".join(names.get(p, p) for p in event.product_list) + "的兴趣"
    made = 0
    with transaction.atomic():
        for inv in pending:
            staff = users.get(inv.staff_id)
            if staff is None:
                continue
            if inv.attended:
                note = f"活动回访：感谢参加「{event.name}」，听取反馈{products}"
            else:
                note = f"活动关怀：客户报名「{event.name}」未出席，致电问候"
            inv.follow_up = FollowUp.objects.create(customer_id=inv.customer_id, staff=staff, due_on=due, note=note)
            inv.save(update_fields=["follow_up"])
            made += 1
        if event.status != Event.Status.HELD:
            event.status = Event.Status.HELD
            event.save(update_fields=["status"])
    return made


def cancel_event(event: Event) -> int:
    """Cancel an event that has not been held: the RMs' open invitation calls are withdrawn (deleted:
    there is nothing left to call about). Returns the number of calls withdrawn."""
    if event.status == Event.Status.HELD:
        raise ValidationError("活动已举办，不能取消 / the event was already held")
    with transaction.atomic():
        open_calls = FollowUp.objects.filter(
            pk__in=event.invitations.filter(invite_task__isnull=False).values("invite_task_id"), done_at__isnull=True)
        n, _ = open_calls.delete()
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status"])
    return n
