from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "yuanwei.web.apps.campaigns"
    label = "campaigns"
    verbose_name = "重点产品营销 / Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (records sales as contacts are logged)
