"""Events (客户活动): list, create, the event page (invite, RSVP, attendance, close) and Excel exports.

Who sees what (as in the workbench): an admin every event; a branch head and a team lead the events
of their branch (a team lead only their team's invitees); an RM the events their customers are
invited to, with only those invitees. Only managers create, invite and close.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction
from yuanwei.web.apps.customers.models import Customer, Product, Staff
from yuanwei.web.apps.dashboards.export import xlsx_response
from yuanwei.web.apps.workbench import scope

from . import services
from .forms import EventForm, InvitationForm, InviteForm
from .models import Event, Invitation


MESSAGE_LABELS = {"queued": "短信待发", "sending": "短信发送中", "sent": "短信已发", "failed": "短信发送失败"}


def visible_events(user):
    role = scope.role_of(user)
    if role == "admin":
        return Event.objects.all()
    p = scope.profile_of(user)
    if p is None:
        return Event.objects.none()
    if role in ("branch_head", "team_lead"):
        return Event.objects.filter(branch_id=p.branch_id)
    return Event.objects.filter(invitations__staff_id=p.staff_id).distinct()


def visible_invitations(user, event: Event):
    role = scope.role_of(user)
    qs = event.invitations.all()
    if role in ("admin", "branch_head"):
        return qs  # the branch's long tail too (invitees without an RM)
    return qs.filter(staff_id__in=scope.staff_ids_for(user) or [])


def _event_or_404(user, pk: int) -> Event:
    event = visible_events(user).filter(pk=pk).first()
    if event is None:
        raise Http404("活动不存在或不在您的范围内 / no such event in your scope")
    return event


def _require_manager(user):
    if not scope.is_manager(user):
        raise PermissionDenied("仅团队长、行长可以管理活动 / only team leads and branch heads manage events")


@login_required
def event_list(request):
    events = list(visible_events(request.user).annotate(
        n_invited=Count("invitations"),
        n_accepted=Count("invitations", filter=Q(invitations__rsvp=Invitation.Rsvp.ACCEPTED)),
        n_attended=Count("invitations", filter=Q(invitations__attended=True))).order_by("-starts_at", "-id"))
    if request.GET.get("format") == "xlsx":
        record(request, AuditAction.EXPORT, object_type="events", detail={"rows": len(events)})
        return xlsx_response("events.xlsx", "客户活动", [
            "编号", "活动", "类型", "时间", "地点", "支行", "名额", "邀约", "接受", "出席", "状态", "推介产品"], [
            [e.pk, e.name, e.get_kind_display(), timezone.localtime(e.starts_at).strftime("%Y-%m-%d %H:%M"),
             e.place, e.branch_id, e.capacity, e.n_invited, e.n_accepted, e.n_attended, e.get_status_display(),
             e.products] for e in events])
    return render(request, "events/list.html", {"events": events, "can_manage": scope.is_manager(request.user)})


@login_required
def event_create(request):
    _require_manager(request.user)
    p = scope.profile_of(request.user)
    branch = "" if scope.is_admin(request.user) else (p.branch_id if p else "")
    form = EventForm(request.POST or None, branch_id=branch)
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        event.created_by = request.user
        try:
            event.full_clean()
        except ValidationError as e:
            form.add_error(None, e)
        else:
            event.save()
            record(request, "event_create",
                   object_type="event", object_id=str(event.pk), detail={"name": event.name, "kind": event.kind})
            messages.success(request, f"已创建活动「{event.name}」/ event created")
            return redirect("events:detail", pk=event.pk)
    return render(request, "events/create.html", {"form": form})


@login_required
def event_detail(request, pk: int):
    event = _event_or_404(request.user, pk)
    invitations = list(visible_invitations(request.user, event).select_related("message"))
    names = dict(Customer.objects.filter(customer_id__in=[i.customer_id for i in invitations])
                 .values_list("customer_id", "name"))
    rms = dict(Staff.objects.filter(staff_id__in={i.staff_id for i in invitations if i.staff_id})
               .values_list("staff_id", "name"))
    for i in invitations:
        i.customer_name = names.get(i.customer_id, "")
        i.rm_name = rms.get(i.staff_id, i.staff_id)
        i.message_label = MESSAGE_LABELS.get(i.message.status, i.message.status) if i.message_id else ""
    if request.GET.get("format") == "xlsx":
        record(request, AuditAction.EXPORT, object_type="event_invitations", object_id=str(event.pk),
               detail={"rows": len(invitations)})
        return xlsx_response(f"event-{event.pk}-invitations.xlsx", "邀约名单", [
            "客户号", "客户", "客户经理", "短信", "回复", "同行", "出席"], [
            [i.customer_id, i.customer_name, f"{i.rm_name} {i.staff_id}" if i.staff_id else "未分配",
             i.message_refused or i.message_label, i.get_rsvp_display(), i.guests,
             {True: "出席", False: "未出席"}.get(i.attended, "")] for i in invitations],
            subtitle=f"{event.name} {timezone.localtime(event.starts_at):%Y-%m-%d %H:%M} {event.place}")
    counts = Counter(i.rsvp for i in invitations)
    products = list(Product.objects.filter(product_id__in=event.product_list)) if event.product_list else []
    ctx = {
        "event": event, "invitations": invitations, "products": products,
        "counts": {"invited": len(invitations), "accepted": counts[Invitation.Rsvp.ACCEPTED],
                   "declined": counts[Invitation.Rsvp.DECLINED], "pending": counts[Invitation.Rsvp.PENDING],
                   "attended": sum(1 for i in invitations if i.attended)},
        "seats_left": event.capacity - services.seats_taken(event),
        "can_manage": scope.is_manager(request.user),
        "invite_form": InviteForm(), "rsvp_choices": Invitation.Rsvp.choices,
        "started": timezone.localdate() >= timezone.localtime(event.starts_at).date(),
    }
    return render(request, "events/detail.html", ctx)


@login_required
@require_POST
def event_invite(request, pk: int):
    _require_manager(request.user)
    event = _event_or_404(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "筛选条件有误 / invalid segment: " + form.errors.as_text())
        return redirect("events:detail", pk=pk)
    segment = form.segment()
    try:
        result = services.invite(event, segment, scope=scope.customers_for(request.user), by=request.user,
                                 limit=form.cleaned_data.get("limit"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("events:detail", pk=pk)
    event.segment = segment
    event.save(update_fields=["segment"])
    record(request, "event_invite", object_type="event", object_id=str(pk), detail=result.as_dict())
    refused = sum(result.refused.values())
    messages.success(request, f"已邀约 {result.invited} 位客户，短信 {result.messages} 条"
                              f"（{refused} 位未授权营销或免打扰，仅电话邀约）；"
                              f"{result.unsuitable} 位因产品不适当未邀约 / invited {result.invited}")
    return redirect("events:detail", pk=pk)


@login_required
@require_POST
def invitation_update(request, pk: int, invitation_id: int):
    event = _event_or_404(request.user, pk)
    inv = visible_invitations(request.user, event).filter(pk=invitation_id).first()
    if inv is None:
        raise Http404("邀约不存在 / no such invitation")
    inv.event = event
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("events:detail", pk=pk)
    d = form.cleaned_data
    try:
        if d.get("rsvp") and (d["rsvp"] != inv.rsvp or (d.get("guests") or 0) != inv.guests):
            services.record_rsvp(inv, d["rsvp"], d.get("guests") or 0)
        if d.get("attended"):
            services.record_attendance(inv, d["attended"] == "yes")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("events:detail", pk=pk)
    record(request, "event_rsvp", object_type="invitation", object_id=str(inv.pk),
           detail={"event": pk, "customer": inv.customer_id, "rsvp": inv.rsvp, "attended": inv.attended})
    messages.success(request, f"已更新 {inv.customer_id} / updated")
    return redirect("events:detail", pk=pk)


@login_required
@require_POST
def event_close(request, pk: int):
    _require_manager(request.user)
    event = _event_or_404(request.user, pk)
    try:
        made = services.close_event(event)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("events:detail", pk=pk)
    record(request, "event_close", object_type="event", object_id=str(pk), detail={"follow_ups": made})
    messages.success(request, f"活动已结束，生成回访任务 {made} 个 / {made} follow-up tasks")
    return redirect("events:detail", pk=pk)


@login_required
@require_POST
def event_cancel(request, pk: int):
    _require_manager(request.user)
    event = _event_or_404(request.user, pk)
    try:
        n = services.cancel_event(event)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("events:detail", pk=pk)
    record(request, "event_cancel", object_type="event", object_id=str(pk), detail={"calls_withdrawn": n})
    messages.success(request, f"活动已取消，撤回邀约电话任务 {n} 个 / cancelled")
    return redirect("events:detail", pk=pk)
