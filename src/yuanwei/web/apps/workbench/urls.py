from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<str:customer_id>/", views.customer, name="customer"),
    path("customers/<str:customer_id>/reveal/", views.reveal, name="reveal"),
    path("customers/<str:customer_id>/contact/", views.contact, name="contact"),
    path("schedule/", views.schedule, name="schedule"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("worklog/", views.worklog_today, name="worklog_today"),
    path("worklog/<str:day>/", views.worklog, name="worklog"),
    path("worklog/<str:day>/export.xlsx", views.worklog_xlsx, name="worklog_xlsx"),
    path("team/", views.team, name="team"),
]
