"""Writing an RM's contact, with its next step, in one transaction (used by the page and the API)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from yuanwei.contract.schema import TABLES, TIMEZONE
from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction

from .models import Appointment, ContactLog, FollowUp


def log_contact(user, customer_id: str, cleaned: dict, *, request=None, task_date: dt.date | None = None,
                appointment_kind: str | None = None, idempotency_key: str | None = None,
                source: str = "web", at: dt.datetime | None = None) -> tuple[ContactLog, bool]:
    """Create the contact (and its follow-up or appointment). Returns (contact, created).

    With an ``idempotency_key``, a retry of the same post by the same user returns the contact
    the first post made instead of creating a second one.
    """
    if idempotency_key:
        existing = ContactLog.objects.filter(staff=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            contact = ContactLog.objects.create(
                customer_id=customer_id, staff=user, at=at or timezone.now(), task_date=task_date,
                channel=cleaned["channel"], outcome=cleaned["outcome"],
                product_id=cleaned.get("product_id") or "", amount=cleaned.get("amount"),
                note=cleaned.get("note") or "", source=source, idempotency_key=idempotency_key or None,
            )
            step = cleaned.get("next_step") or "none"
            if step == "follow_up":
                FollowUp.objects.create(customer_id=customer_id, staff=user, contact=contact,
                                        due_on=cleaned["follow_up_on"], note=cleaned.get("note", "")[:500])
            elif appointment_kind:
                Appointment.objects.create(customer_id=customer_id, staff=user, contact=contact,
                                           kind=appointment_kind, starts_at=cleaned["appointment_at"],
                                           place=cleaned["place"].strip(), note=cleaned.get("note", "")[:500])
            # the contact answers any open follow-up for this customer due by today
            FollowUp.objects.filter(customer_id=customer_id, staff=user, done_at__isnull=True,
                                    due_on__lte=timezone.localdate(contact.at)).exclude(contact=contact) \
                .update(done_at=contact.at)
            record(request, AuditAction.CONTACT_CREATE, user=user, object_type="contact",
                   object_id=contact.contact_id,
                   detail={"customer_id": customer_id, "outcome": contact.outcome, "channel": contact.channel,
                           "source": source, "next_step": step})
    except IntegrityError:
        # two retries raced past the first check: the unique constraint let one through
        if idempotency_key:
            existing = ContactLog.objects.filter(staff=user, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    return contact, True


def do_not_disturb_ids(customer_ids) -> set[str]:
    """Customers with a do_not_disturb outcome logged in the app (applies at once, before the next run)."""
    return set(ContactLog.objects.filter(customer_id__in=list(customer_ids), outcome="do_not_disturb")
               .values_list("customer_id", flat=True))


CONTACT_COLUMNS = TABLES["contacts"].column_names


def export_contacts(home, since: dt.datetime | None = None) -> Path:
    """Write the logged contacts as a contract ``contacts.csv`` for the next run's ingest.

    The file goes to ``home.exchange_dir/<timestamp>/contacts.csv`` (UTF-8, header row, DESIGN §3
    columns; ``at`` as ISO 8601 with the +08:00 offset). ``since`` keeps the contacts logged or
    changed at or after that moment; without it every logged contact is written (ingest keys on
    contact_id, so a repeat is harmless).
    """
    tz = ZoneInfo(TIMEZONE)
    qs = ContactLog.objects.select_related("staff").order_by("at", "id")
    if since is not None:
        if timezone.is_naive(since):
            since = since.replace(tzinfo=tz)
        qs = qs.filter(updated_at__gte=since)
    stamp = dt.datetime.now(tz).strftime("%Y%m%dT%H%M%S%f")
    folder = Path(home.exchange_dir) / stamp
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contacts.csv"
    tmp = folder / ".contacts.csv.tmp"
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CONTACT_COLUMNS)
        for c in qs.iterator(chunk_size=2000):
            row = {
                "contact_id": c.contact_id, "customer_id": c.customer_id, "staff_id": c.staff.get_username(),
                "at": c.at.astimezone(tz).isoformat(timespec="seconds"), "channel": c.channel,
                "outcome": c.outcome, "product_id": c.product_id, "note": c.note,
            }
            w.writerow([row[k] for k in CONTACT_COLUMNS])
    tmp.replace(path)  # the next run never sees a half-written file
    return path
