"""Each publish records the day's dashboard snapshot (the history movement is read from)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from yuanwei.web.apps.customers.models import Publication

log = logging.getLogger(__name__)


@receiver(post_save, sender=Publication, dispatch_uid="dashboards.snapshot_on_publish")
def snapshot_on_publish(sender, instance: Publication, created: bool, **kwargs):
    if not created:
        return
    from .snapshot import record_publication

    try:
        # a savepoint: a failing snapshot must not undo the publish (the page records it later)
        with transaction.atomic():
            record_publication(instance.date)
        log.debug("dashboard snapshot for %s recorded", instance.date)
    except Exception:  # the snapshot is secondary: never let it fail a publish
        log.exception("dashboard snapshot for %s failed; the page will record it when first opened", instance.date)
