from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("feed/", views.feed, name="feed"),
    path("feed/items/", views.feed_items, name="feed_items"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/launch/", views.campaign_launch, name="launch"),
    path("<int:pk>/rankings/", views.campaign_rankings, name="rankings"),
]
