"""The product's navigation, shared by every page through the base layout."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

MANAGERS = frozenset({"team_lead", "branch_head", "admin"})


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str | None  # None, or a name that does not resolve: the page is not built yet (shown disabled)
    roles: frozenset[str] | None = None  # None: every signed-in user


# DESIGN §1 and §8: the same names in code, UI and docs.
NAVIGATION = (
    NavItem("today", _("Today"), "workbench:today"),
    NavItem("customers", _("Customers"), "workbench:customers"),
    NavItem("schedule", _("Schedule"), "workbench:schedule"),
    NavItem("worklog", _("Work log"), "workbench:worklog_today"),
    NavItem("team", _("Team"), "workbench:team", MANAGERS),
    NavItem("campaigns", _("Campaigns"), "campaigns:list"),
    NavItem("events", _("Events"), "events:list"),
    NavItem("dashboards", _("Dashboards"), "dashboards:coverage", MANAGERS),
    NavItem("brief", _("Market brief"), "outreach:brief"),
    NavItem("outbox", _("Outbox"), "outreach:outbox"),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = user.staffprofile.role if hasattr(user, "staffprofile") else None
    items = []
    for item in NAVIGATION:
        if item.roles is not None and not (role in item.roles or user.is_superuser):
            continue
        try:
            url = reverse(item.url_name) if item.url_name else None
        except NoReverseMatch:
            url = None
        # a section is active on its page and the pages below it (/customers/ for /customers/C1/)
        items.append({"key": item.key, "label": item.label, "url": url,
                      "active": bool(url) and request.path.startswith(url)})
    if user.is_staff:
        items.append({"key": "admin", "label": _("Admin"), "url": reverse("admin:index"),
                      "active": request.path.startswith(reverse("admin:index"))})
    return {"nav_items": items, "staff_profile": getattr(user, "staffprofile", None)}
