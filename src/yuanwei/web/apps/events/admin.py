from django.contrib import admin

from .models import Event, Invitation


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ("customer_id", "staff_id", "rsvp", "guests", "attended", "message_refused")
    readonly_fields = ("message_refused",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "branch_id", "starts_at", "capacity", "status")
    list_filter = ("kind", "status", "branch_id")
    inlines = [InvitationInline]
