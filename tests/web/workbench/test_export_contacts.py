"""export_contacts: the app's contacts as a contract contacts.csv for the next run's ingest."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.utils import timezone

from yuanwei.contract.schema import TABLES
from yuanwei.web.apps.workbench.models import ContactLog
from yuanwei.web.apps.workbench.services import export_contacts

pytestmark = pytest.mark.django_db


def test_it_writes_contract_rows_under_the_exchange_folder(home, rm):
    at = dt.datetime(2026, 11, 30, 10, 15, tzinfo=timezone.get_current_timezone())
    c = ContactLog.objects.create(customer_id="00123", staff=rm, at=at, channel="phone", outcome="sold",
                                  product_id="P100", note="认购, 含逗号\n和换行")
    path = export_contacts(home)
    assert path.name == "contacts.csv" and path.parent.parent == home.exchange_dir
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == TABLES["contacts"].column_names
    assert rows == [{"contact_id": c.contact_id, "customer_id": "00123", "staff_id": "R001",
                     "at": "2026-11-30T10:15:00+08:00", "channel": "phone", "outcome": "sold",
                     "product_id": "P100", "note": "认购, 含逗号\n和换行"}]
    assert not list(path.parent.glob(".*.tmp"))


def test_since_keeps_only_newer_contacts(home, rm):
    old = ContactLog.objects.create(customer_id="C1", staff=rm, channel="phone", outcome="reached")
    ContactLog.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    new = ContactLog.objects.create(customer_id="C2", staff=rm, channel="phone", outcome="do_not_disturb")
    path = export_contacts(home, since=timezone.now() - dt.timedelta(days=1))
    with path.open(encoding="utf-8") as fh:
        ids = [r["contact_id"] for r in csv.DictReader(fh)]
    assert ids == [new.contact_id]


def test_the_cli_entry_point_sets_django_up_itself(home, rm):
    from yuanwei.web.apps.workbench.exchange import export_contacts as cli_export

    ContactLog.objects.create(customer_id="C9", staff=rm, channel="sms", outcome="reached")
    path = cli_export(home)
    assert path.read_text(encoding="utf-8").count("\n") == 2
