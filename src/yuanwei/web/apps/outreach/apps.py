from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "yuanwei.web.apps.outreach"
    label = "outreach"
    verbose_name = "客户触达 / Outreach"
    default_auto_field = "django.db.models.BigAutoField"
