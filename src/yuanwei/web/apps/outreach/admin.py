from django.contrib import admin

from .models import MessageTemplate, OutboxMessage, TalkScript


class VersionedAdmin(admin.ModelAdmin):
    """Editing a template or script saves a new version and retires the old one: versions are kept."""

    readonly_fields = ("version", "created_by", "created_at")
    list_filter = ("active",)
    key_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        model = type(obj)
        key = {f: getattr(obj, f) for f in self.key_fields}
        latest = model.objects.filter(**key).order_by("-version").first()
        if change:
            obj.pk = None  # a new row: the edited version stays as it was
            obj._state.adding = True
        obj.version = (latest.version + 1) if latest else 1
        obj.created_by = request.user
        if obj.active:
            model.objects.filter(**key, active=True).update(active=False)
        super().save_model(request, obj, form, change)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(VersionedAdmin):
    list_display = ("purpose", "persona", "version", "active", "created_by", "created_at")
    key_fields = ("purpose", "persona")


@admin.register(TalkScript)
class TalkScriptAdmin(VersionedAdmin):
    list_display = ("category", "persona", "title", "version", "active", "created_by", "created_at")
    key_fields = ("category", "persona")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("key", "customer_id", "purpose", "gateway", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "gateway", "purpose")
    search_fields = ("key", "customer_id")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
