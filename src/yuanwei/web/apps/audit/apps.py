from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yuanwei.web.apps.audit"
    label = "audit"
    verbose_name = "审计日志 / Audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the login signals)
