from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/invite/", views.event_invite, name="invite"),
    path("<int:pk>/invitations/<int:invitation_id>/", views.invitation_update, name="invitation"),
    path("<int:pk>/close/", views.event_close, name="close"),
    path("<int:pk>/cancel/", views.event_cancel, name="cancel"),
]
