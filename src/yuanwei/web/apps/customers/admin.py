"""Published data is read-only in the admin: the next publish would overwrite any edit."""

from django.contrib import admin

from . import models


class PublishedAdmin(admin.ModelAdmin):
    show_full_result_count = False  # no COUNT(*) over a million balance rows on every page
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


def _register(model, list_display, search_fields=(), list_filter=(), **extra):
    attrs = {"list_display": list_display, "search_fields": search_fields, "list_filter": list_filter, **extra}
    admin.site.register(model, type(f"{model.__name__}Admin", (PublishedAdmin,), attrs))


_register(models.Branch, ("branch_id", "name", "parent_id", "city"), ("branch_id", "name"))
_register(models.Staff, ("staff_id", "name", "role", "branch_id", "team"), ("staff_id", "name"), ("role",))
_register(models.Employer, ("employer_id", "name", "industry", "headcount"), ("employer_id", "name"))
_register(models.Product, ("product_id", "name", "category", "risk_rating", "status"), ("product_id", "name"),
          ("category", "risk_rating"))
_register(models.Customer, ("customer_id", "name", "tier", "aum", "risk_level", "remote_staff_id"),
          ("customer_id", "name"), ("tier",))
_register(models.Relative, ("customer_id", "relation", "name", "birth_date"), ("customer__customer_id",))
_register(models.Service, ("customer_id", "service", "since"), ("customer__customer_id",), ("service",))
_register(models.Assignment, ("customer_id", "role", "staff_id", "since"), ("customer__customer_id", "staff_id"),
          ("role",))
_register(models.ChannelPlan, ("customer_id", "channel", "plan", "valid_from", "valid_to"),
          ("customer__customer_id",), ("channel",))
_register(models.ContactHistory, ("contact_id", "customer_id", "staff_id", "at", "channel", "outcome"),
          ("contact_id", "customer__customer_id", "staff_id"), ("outcome", "channel"))
_register(models.MarketClose, ("symbol", "as_of", "close"), ("symbol",), ("symbol",))
_register(models.News, ("published_at", "source", "title"), ("title",), ("source",))
_register(models.Holding, ("holding_id", "customer_id", "product_id", "product_name", "amount", "matures_on"),
          ("holding_id", "customer__customer_id", "product_id"), ("category",))
_register(models.Flow, ("txn_id", "customer_id", "booked_at", "amount", "kind"),
          ("txn_id", "customer__customer_id"), ("kind",))
_register(models.BalanceSnapshot, ("customer_id", "as_of", "aum"), ("customer__customer_id",))
_register(models.Signal, ("date", "customer_id", "rule", "urgency", "explanation"), ("customer__customer_id",),
          ("date", "rule"))


@admin.register(models.Publication)
class PublicationAdmin(PublishedAdmin):
    list_display = ("date", "full", "started_at", "duration_s", "counts", "skipped")
    list_filter = ()
