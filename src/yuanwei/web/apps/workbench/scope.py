"""Who may see which customers. Every page and API endpoint goes through ``customers_for``.

- remote RM / RM / advisor / lobby: customers assigned to them (owner, remote or advisor in the
  published Assignment) and the customers of their tasks for the day (the long tail the day's plan
  gives them);
- team lead: the same for every staff member of their team (same branch, same team);
- branch head: every customer of their branch;
- admin (role admin, or a Django superuser): everyone.

A customer outside the scope answers 404 (``get_customer_or_404``): the page does not even confirm
that the customer exists.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yuanwei.web.apps.accounts.models import StaffProfile
from yuanwei.web.apps.customers.models import Assignment, Customer, Staff

from .models import Task

MANAGER_ROLES = frozenset({"team_lead", "branch_head", "admin"})


def profile_of(user) -> StaffProfile | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.staffprofile
    except StaffProfile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    if user is not None and user.is_authenticated and user.is_superuser:
        return "admin"
    p = profile_of(user)
    return p.role if p else None


def is_admin(user) -> bool:
    return role_of(user) == "admin"


def is_manager(user) -> bool:
    return role_of(user) in MANAGER_ROLES


def business_day() -> dt.date:
    """Today in Asia/Shanghai (settings.TIME_ZONE): the date of the tasks an RM works."""
    return timezone.localdate()


def staff_ids_for(user) -> list[str] | None:
    """The staff whose work the user sees (None: everyone). An RM sees only their own."""
    role = role_of(user)
    if role == "admin":
        return None
    p = profile_of(user)
    if p is None:
        return []
    # the published staff table is the bank's truth; profiles cover users synced before a publish
    if role == "branch_head":
        ids = set(StaffProfile.objects.filter(branch_id=p.branch_id).values_list("staff_id", flat=True))
        ids |= set(Staff.objects.filter(branch_id=p.branch_id).values_list("staff_id", flat=True))
        return sorted(ids | {p.staff_id})
    if role == "team_lead":
        if not p.team:
            return [p.staff_id]
        ids = set(StaffProfile.objects.filter(branch_id=p.branch_id, team=p.team).values_list("staff_id", flat=True))
        ids |= set(Staff.objects.filter(branch_id=p.branch_id, team=p.team).values_list("staff_id", flat=True))
        return sorted(ids | {p.staff_id})
    return [p.staff_id]


def customers_for(user, day: dt.date | None = None) -> QuerySet[Customer]:
    """The customers ``user`` may see on ``day`` (default: today)."""
    role = role_of(user)
    if role is None:
        return Customer.objects.none()
    if role == "admin":
        return Customer.objects.all()
    p = profile_of(user)
    if role == "branch_head":
        return Customer.objects.filter(branch_id=p.branch_id)
    staff = staff_ids_for(user)
    day = day or business_day()
    assigned = Assignment.objects.filter(staff_id__in=staff).values("customer_id")
    tasked = Task.objects.filter(date=day, staff_id__in=staff).values("customer_id")
    return Customer.objects.filter(Q(customer_id__in=assigned) | Q(customer_id__in=tasked))


def can_see(user, customer_id: str, day: dt.date | None = None) -> bool:
    return customers_for(user, day).filter(customer_id=customer_id).exists()


def get_customer_or_404(user, customer_id: str, day: dt.date | None = None) -> Customer:
    c = customers_for(user, day).select_related("branch").filter(customer_id=customer_id).first()
    if c is None:
        raise Http404("客户不存在或不在您的管户范围内 / no such customer in your scope")
    return c
