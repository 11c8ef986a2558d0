from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "yuanwei.web.apps.workbench"
    label = "workbench"
    verbose_name = "工作台 / Workbench"
    default_auto_field = "django.db.models.BigAutoField"
