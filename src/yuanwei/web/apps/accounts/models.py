"""Web users are the bank's staff: username = staff_id, one group per role (DESIGN §3 staff.role)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yuanwei.contract.schema import STAFF_ROLES

ROLE_LABELS = {
    "remote_rm": _("Remote RM"),
    "rm": _("Relationship manager"),
    "wealth_advisor": _("Wealth advisor"),
    "lobby": _("Lobby manager"),
    "team_lead": _("Team lead"),
    "branch_head": _("Branch head"),
    "admin": _("Administrator"),
}
assert set(ROLE_LABELS) == set(STAFF_ROLES)
ROLE_CHOICES = [(r, ROLE_LABELS[r]) for r in STAFF_ROLES]
DEFAULT_DAILY_CAPACITY = 30  # DESIGN §5


class StaffProfile(models.Model):
    """The staff row (from `yuanwei users sync`) behind a web user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    staff_id = models.CharField(_("staff ID"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES, db_index=True)
    branch_id = models.CharField(_("branch"), max_length=32, db_index=True)
    team = models.CharField(_("team"), max_length=100, blank=True, default="")
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    daily_capacity = models.PositiveIntegerField(_("daily capacity"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["staff_id"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.name}"

    @property
    def capacity(self) -> int:
        return self.daily_capacity or DEFAULT_DAILY_CAPACITY
