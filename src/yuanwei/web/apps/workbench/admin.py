from django.contrib import admin

from yuanwei.web.apps.audit.log import record
from yuanwei.web.apps.audit.models import AuditAction
from yuanwei.web.apps.customers.admin import _register

from . import models

_register(models.Task, ("date", "staff_id", "rank", "customer_id", "purpose", "rules", "window", "score"),
          ("staff_id", "customer__customer_id"), ("date", "purpose"))
_register(models.ExcludedCandidate, ("date", "customer_id", "rule", "staff_id", "reason_code", "reason"),
          ("customer__customer_id", "staff_id"), ("date", "reason_code"))


# --- what the RMs record: visible to admins; a change to a contact is audited --------------------



@admin.register(models.ContactLog)
class ContactLogAdmin(admin.ModelAdmin):
    list_display = ("contact_id", "at", "customer_id", "staff", "channel", "outcome", "product_id", "amount", "source")
    list_filter = ("outcome", "channel", "source")
    search_fields = ("contact_id", "customer_id", "staff__username")
    readonly_fields = ("contact_id", "customer_id", "staff", "source", "idempotency_key", "created_at", "updated_at")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False  # contacts are logged by the RM (page or API), never typed in by an admin

    def has_delete_permission(self, request, obj=None):
        return False  # a contact may be corrected, not erased: it feeds the next run

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(request, AuditAction.CONTACT_UPDATE, object_type="contact", object_id=obj.contact_id,
               detail={"changed": sorted(form.changed_data), "customer_id": obj.customer_id})


@admin.register(models.FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("due_on", "customer_id", "staff", "done_at")
    list_filter = ("due_on",)


@admin.register(models.Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "kind", "customer_id", "staff", "place", "cancelled")
    list_filter = ("kind", "cancelled")
