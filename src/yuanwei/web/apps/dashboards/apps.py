from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "yuanwei.web.apps.dashboards"
    label = "dashboards"
    verbose_name = "经营看板 / Dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (each publish records the day's snapshot)
