from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "yuanwei.web.apps.events"
    label = "events"
    verbose_name = "客户活动 / Events"
    default_auto_field = "django.db.models.BigAutoField"
