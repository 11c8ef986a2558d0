from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("payroll/", views.payroll, name="payroll"),
    path("targets/", views.set_target, name="set_target"),
    path("uncovered/", views.uncovered, name="uncovered"),
]
