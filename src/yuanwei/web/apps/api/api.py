"""The JSON API (django-ninja). OpenAPI docs at /api/docs (served from ninja's own static files).

- ``POST /api/token``: JSON ``{"username", "password"}`` → ``{"token": …}``; then send
  ``Authorization: Bearer <token>``. Failed attempts count toward the same login throttle as the
  login page, and are audited.
- ``GET /api/tasks?date=D``: the caller's tasks (a manager: their staff's), scoped like the pages.
- ``GET /api/customers/{customer_id}``: one customer in the caller's scope (404 otherwise),
  personal data masked.
- ``POST /api/contacts``: a contact outcome from a softphone or call-centre system. With an
  ``Idempotency-Key`` header, a retried post returns the first contact (200) instead of creating a
  second one (201 the first time).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import authenticate
from django.utils import timezone
from ninja import Field, Header, NinjaAPI, Schema, Status
from ninja.security import HttpBearer

from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction
from yuanwei.web.apps.customers.models import Product, Signal
from yuanwei.web.apps.workbench import labels, scope
from yuanwei.web.apps.workbench.forms import ContactForm
from yuanwei.web.apps.workbench.mask import mask_phone
from yuanwei.web.apps.workbench.models import ContactLog, Task
from yuanwei.web.apps.workbench.services import log_contact

from .models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user  # scope and audit read request.user, as on the pages
        return user


api = NinjaAPI(title="远维 yuanwei API", version="1", urls_namespace="api", auth=BearerToken(),
               description="远程客户经理工作台接口：任务、客户、联系结果回写。All times Asia/Shanghai.")


class Error(Schema):
    detail: str | dict


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


@api.post("/token", auth=None, response={200: TokenOut, 401: Error}, summary="签发令牌 / issue a token")
def token(request, body: TokenIn):
    user = authenticate(request, username=body.username, password=body.password)
    if user is None or not user.is_active:
        return Status(401, {"detail": "用户名或密码错误 / wrong username or password"})
    tok, raw = ApiToken.issue(user)
    record(request, AuditAction.API_TOKEN, user=user, object_type="api_token", object_id=str(tok.pk))
    return Status(200, {"token": raw, "expires_at": tok.expires_at})


class TaskOut(Schema):
    date: dt.date
    staff_id: str
    rank: int
    customer_id: str
    customer_name: str
    tier: str | None
    rules: list[str]
    rule_labels: list[str]
    purpose: str
    channel: str | None
    offers: list[str]
    window: str | None
    score: float | None
    explanation: str | None
    policy_notes: str | None
    done: bool


@api.get("/tasks", response=list[TaskOut], summary="任务列表 / tasks of a day")
def tasks(request, date: dt.date | None = None, staff_id: str | None = None):
    day = date or scope.business_day()
    staff = scope.staff_ids_for(request.user)
    qs = Task.objects.filter(date=day).select_related("customer").order_by("staff_id", "rank")
    if staff is not None:
        qs = qs.filter(staff_id__in=staff)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    rows = list(qs)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    done = set(ContactLog.objects.filter(at__gte=start, at__lt=start + dt.timedelta(days=1),
                                         customer_id__in=[t.customer_id for t in rows])
               .values_list("staff__username", "customer_id"))
    # a do-not-disturb outcome logged since the run hides the customer's phone tasks at once (as on Today)
    dnd = set(ContactLog.objects.filter(customer_id__in=[t.customer_id for t in rows], outcome="do_not_disturb")
              .values_list("customer_id", flat=True))
    rows = [t for t in rows if not (t.customer_id in dnd and (t.channel or "phone") == "phone"
                                    and (t.staff_id, t.customer_id) not in done)]
    return [{
        "date": t.date, "staff_id": t.staff_id, "rank": t.rank, "customer_id": t.customer_id,
        "customer_name": t.customer.name if t.customer else "", "tier": t.customer.tier if t.customer else None,
        "rules": t.rule_list, "rule_labels": [labels.rule_label(r) for r in t.rule_list], "purpose": t.purpose,
        "channel": t.channel, "offers": t.offer_list, "window": t.window, "score": t.score,
        "explanation": t.explanation, "policy_notes": t.policy_notes, "done": (t.staff_id, t.customer_id) in done,
    } for t in rows]


class SignalOut(Schema):
    date: dt.date
    rule: str
    label: str
    urgency: int
    due_date: dt.date | None
    explanation: str


class CustomerOut(Schema):
    customer_id: str
    name: str
    phone_masked: str
    branch_id: str | None
    tier: str | None
    persona: str | None
    familiarity: str | None
    risk_level: str | None
    risk_assessed_on: dt.date | None
    marketing_consent: bool
    do_not_call: bool
    do_not_disturb: bool
    aum: Decimal | None
    aum_avg30: Decimal | None
    four_basic: dict[str, bool]
    owner_staff_id: str | None
    remote_staff_id: str | None
    advisor_staff_id: str | None
    signals: list[SignalOut]


@api.get("/customers/{customer_id}", response={200: CustomerOut, 404: Error}, summary="客户 / one customer")
def customer(request, customer_id: str):
    c = scope.customers_for(request.user).filter(customer_id=customer_id).first()
    if c is None:
        return Status(404, {"detail": "客户不存在或不在您的管户范围内 / no such customer in your scope"})
    latest = Signal.objects.filter(customer_id=customer_id).order_by("-date").values_list("date", flat=True).first()
    signals = list(Signal.objects.filter(customer_id=customer_id, date=latest).order_by("-urgency")) if latest else []
    dnd = bool(c.do_not_disturb) or ContactLog.objects.filter(customer_id=customer_id,
                                                              outcome="do_not_disturb").exists()
    return Status(200, {
        "customer_id": c.customer_id, "name": c.name, "phone_masked": mask_phone(c.phone), "branch_id": c.branch_id,
        "tier": c.tier, "persona": c.persona, "familiarity": c.familiarity, "risk_level": c.risk_level,
        "risk_assessed_on": c.risk_assessed_on, "marketing_consent": bool(c.marketing_consent),
        "do_not_call": bool(c.do_not_call), "do_not_disturb": dnd, "aum": c.aum, "aum_avg30": c.aum_avg30,
        "four_basic": {f.removeprefix("has_"): bool(getattr(c, f)) for f, _ in labels.FOUR_BASIC},
        "owner_staff_id": c.owner_staff_id, "remote_staff_id": c.remote_staff_id,
        "advisor_staff_id": c.advisor_staff_id,
        "signals": [{"date": s.date, "rule": s.rule, "label": labels.rule_label(s.rule), "urgency": s.urgency,
                     "due_date": s.due_date, "explanation": s.explanation} for s in signals],
    })


class ContactIn(Schema):
    customer_id: str
    channel: str = Field(..., description="phone / wechat / sms / visit / branch")
    outcome: str = Field(..., description="reached / no_answer / refused / interested / appointment / sold / "
                                          "do_not_disturb")
    product_id: str | None = None
    amount: Decimal | None = Field(None, description="yuan, 2 decimals; only with outcome sold")
    note: str | None = None
    at: dt.datetime | None = Field(None, description="when the contact happened (default: now)")
    next_step: str | None = Field(None, description="none / follow_up / branch / home_visit")
    follow_up_on: dt.date | None = None
    appointment_at: dt.datetime | None = None
    place: str | None = None


class ContactOut(Schema):
    contact_id: str
    customer_id: str
    staff_id: str
    at: dt.datetime
    channel: str
    outcome: str
    product_id: str
    amount: Decimal | None
    note: str
    replayed: bool


def _contact_out(c: ContactLog, replayed: bool) -> dict:
    return {"contact_id": c.contact_id, "customer_id": c.customer_id, "staff_id": c.staff.get_username(),
            "at": c.at, "channel": c.channel, "outcome": c.outcome, "product_id": c.product_id,
            "amount": c.amount, "note": c.note, "replayed": replayed}


@api.post("/contacts", response={200: ContactOut, 201: ContactOut, 404: Error, 422: Error},
          summary="回写联系结果 / post a contact outcome")
def contacts(request, body: ContactIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    key = (idempotency_key or "").strip()[:128] or None
    if key:
        existing = ContactLog.objects.select_related("staff").filter(staff=request.user, idempotency_key=key).first()
        if existing is not None:
            return Status(200, _contact_out(existing, True))
    if not scope.customers_for(request.user).filter(customer_id=body.customer_id).exists():
        return Status(404, {"detail": "客户不存在或不在您的管户范围内 / no such customer in your scope"})
    data = body.dict()
    form_data = {k: ("" if v is None else v) for k, v in data.items() if k not in ("customer_id", "at")}
    if form_data.get("appointment_at"):
        form_data["appointment_at"] = timezone.localtime(_aware(data["appointment_at"])).strftime("%Y-%m-%d %H:%M")
    form_data["next_step"] = form_data.get("next_step") or "none"
    form = ContactForm(form_data, product_exists=lambda p: Product.objects.filter(product_id=p).exists(),
                       today=scope.business_day())
    if not form.is_valid():
        return Status(422, {"detail": {f: [str(m) for m in msgs] for f, msgs in form.errors.items()}})
    task = Task.objects.filter(date=scope.business_day(), staff_id=request.user.get_username(),
                               customer_id=body.customer_id).first()
    contact, created = log_contact(request.user, body.customer_id, form.cleaned_data, request=request,
                                   task_date=task.date if task else None, appointment_kind=form.appointment_kind,
                                   idempotency_key=key, source="api", at=_aware(body.at) if body.at else None)
    return Status(201 if created else 200, _contact_out(contact, not created))


def _aware(value: dt.datetime) -> dt.datetime:
    # a time without an offset is Asia/Shanghai (DESIGN §3)
    return timezone.make_aware(value) if timezone.is_naive(value) else value
