"""Sales are recorded as RMs log them: a sold contact becomes a sale, announced on the live feed."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from yuanwei.web.apps.workbench.models import ContactLog
from yuanwei.web.signals import run_published

from .sales import MATCH_DAYS, record_from_contact, record_from_holdings


@receiver(post_save, sender=ContactLog, dispatch_uid="campaigns_record_sale")
def contact_saved(sender, instance, **kwargs):
    sale = record_from_contact(instance)
    if sale is not None and kwargs.get("created"):
        from .feed import announce

        announce(sale)


@receiver(run_published, dispatch_uid="campaigns_sales_from_holdings")
def run_was_published(sender, day, **kwargs):
    """New holdings in the extract are sales too (matched to logged ones, never counted twice)."""
    import datetime as dt

    record_from_holdings(since=day - dt.timedelta(days=MATCH_DAYS + 1))
