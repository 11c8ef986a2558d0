from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    path("brief/", views.brief, name="brief"),
    path("greetings/", views.greetings, name="greetings"),
    path("outbox/", views.outbox, name="outbox"),
]
