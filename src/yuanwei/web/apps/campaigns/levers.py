"""Campaign levers for the daily run: ``<home>/config/levers.csv`` (customer_id, product_id, factor,
reason), read by the tasks stage (``yuanwei.engine.tasks.arbitration.read_levers``). A lever raises a
target's score; the contact policy still applies to every task (a lever never bypasses it)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from django.conf import settings

from .models import Campaign, CampaignTarget


def levers_path() -> Path:
    from yuanwei.engine.tasks import levers_file

    return levers_file(settings.HOME)


def write_levers(day: dt.date | None = None) -> int:
    """Rewrite the file from the launched campaigns still running on ``day``; returns rows written."""
    from django.utils import timezone

    day = day or timezone.localdate()
    rows = []
    for c in Campaign.objects.filter(status=Campaign.LAUNCHED, ends_on__gte=day).order_by("id"):
        reason = f"营销活动：{c.name}"
        for t in CampaignTarget.objects.filter(campaign=c).order_by("customer_id"):
            rows.append({"customer_id": t.customer_id, "product_id": "", "factor": f"{float(c.lever):g}", "reason": reason})
    path = levers_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["customer_id", "product_id", "factor", "reason"])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)  # the daily run never reads half a file
    return len(rows)
