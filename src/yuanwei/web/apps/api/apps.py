from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yuanwei.web.apps.api"
    label = "api"
    verbose_name = "接口 / API"
    default_auto_field = "django.db.models.BigAutoField"
