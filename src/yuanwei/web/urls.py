from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic.base import RedirectView

from yuanwei.web.apps.accounts.forms import LoginForm

admin.site.site_header = "远维 yuanwei"
admin.site.site_title = "远维管理 / yuanwei admin"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workbench:today", permanent=False), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("yuanwei.web.apps.accounts.urls")),
    path("customers/", include("yuanwei.web.apps.customers.urls")),
    path("", include("yuanwei.web.apps.workbench.urls")),
    path("api/", include("yuanwei.web.apps.api.urls")),
    path("outreach/", include("yuanwei.web.apps.outreach.urls")),
    path("events/", include("yuanwei.web.apps.events.urls")),
    path("dashboards/", include("yuanwei.web.apps.dashboards.urls")),
    path("campaigns/", include("yuanwei.web.apps.campaigns.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
