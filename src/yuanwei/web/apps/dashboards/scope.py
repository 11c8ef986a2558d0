"""The dashboards' scope, as in the workbench: an admin sees every branch, a branch head their
branch (its unassigned long tail included), a team lead the customers of their team's RMs."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from yuanwei.web.apps.customers.models import Customer
from yuanwei.web.apps.workbench import scope as wb

from .snapshot import with_rm


@dataclass(frozen=True)
class Scope:
    label: str
    branch_id: str | None = None        # None: every branch
    staff_ids: tuple[str, ...] | None = None  # None: every RM (and the unassigned)

    def customers(self) -> QuerySet[Customer]:
        qs = with_rm(Customer.objects.all())
        if self.branch_id is not None:
            qs = qs.filter(branch_id=self.branch_id)
        if self.staff_ids is not None:
            qs = qs.filter(rm__in=self.staff_ids)
        return qs

    def rows(self) -> Q:
        """The filter for rows with branch_id / staff_id columns (snapshots, moves, targets)."""
        q = Q()
        if self.branch_id is not None:
            q &= Q(branch_id=self.branch_id)
        if self.staff_ids is not None:
            q &= Q(staff_id__in=self.staff_ids)
        return q


def scope_for(user) -> Scope:
    role = wb.role_of(user)
    if role == "admin":
        return Scope("全行 / all branches")
    if role not in wb.MANAGER_ROLES:
        raise PermissionDenied("看板仅供团队长和行长使用 / dashboards are for team leads and branch heads")
    p = wb.profile_of(user)
    if role == "branch_head":
        return Scope(f"支行 {p.branch_id}", branch_id=p.branch_id)
    return Scope(f"团队 {p.team or p.staff_id}", branch_id=p.branch_id, staff_ids=tuple(wb.staff_ids_for(user)))
