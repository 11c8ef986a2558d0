"""Sales are recorded as RMs log them: a sold contact becomes a sale, announced on the live feed."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from yuanwei.web.apps.workbench.models import ContactLog

from .sales import record_from_contact


@receiver(post_save, sender=ContactLog, dispatch_uid="campaigns_record_sale")
def contact_saved(sender, instance, **kwargs):
    sale = record_from_contact(instance)
    if sale is not None and kwargs.get("created"):
        from .feed import announce

        announce(sale)
