"""The run's published data (DESIGN §2): customer profiles with the day's features, their holdings,
recent flows, balance history and signals, plus the reference tables a run copies as of D−1.

Rows are written only by publishing (``publish.py``); pages read them and never scan the warehouse.
Every published row keeps ``row_key`` (a hash of its key columns) and ``row_hash`` (a hash of all its
columns as written in the run file), so a later publish touches only what changed.

Relations to customers are foreign keys without database constraints: the app DB mirrors the run
files, which the engine already made consistent, and a publish may load tables in any order.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yuanwei.contract.schema import (
    CONTACT_CHANNELS, CONTACT_OUTCOMES, PLAN_CHANNELS, PRODUCT_CATEGORIES, RISK_LEVELS, RISK_RATINGS,
    SERVICES, STAFF_ROLES, TRANSACTION_KINDS,
)


def _choices(values):
    return [(v, v) for v in values]


def money(verbose_name, **kw):
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kw)


def dec6(verbose_name, **kw):
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=6, **kw)


def customer_fk(related_name: str, db_index: bool = True):
    return models.ForeignKey("customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name=related_name, verbose_name=_("customer"), db_index=db_index)


TIERS = ("大众", "金卡", "财富", "钻石", "私行")


class Published(models.Model):
    row_key = models.CharField(max_length=40, editable=False)
    row_hash = models.CharField(max_length=16, editable=False)

    class Meta:
        abstract = True


# --- reference tables (contract tables as of D−1) --------------------------------------------

class Branch(Published):
    branch_id = models.CharField(_("branch ID"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    parent_id = models.CharField(_("parent branch"), max_length=32, null=True, blank=True)
    city = models.CharField(_("city"), max_length=100, null=True, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["branch_id"]

    def __str__(self):
        return f"{self.branch_id} {self.name}"


class Staff(Published):
    """A staff row as published by the run (the web user behind it is accounts.StaffProfile)."""

    staff_id = models.CharField(_("staff ID"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=_choices(STAFF_ROLES), db_index=True)
    branch_id = models.CharField(_("branch"), max_length=32, db_index=True)
    team = models.CharField(_("team"), max_length=100, null=True, blank=True)
    hired_on = models.DateField(_("hired on"))
    daily_capacity = models.IntegerField(_("daily capacity"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["staff_id"]

    def __str__(self):
        return f"{self.staff_id} {self.name}"


class Employer(Published):
    employer_id = models.CharField(_("employer ID"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, null=True, blank=True)
    headcount = models.IntegerField(_("headcount"), null=True, blank=True)
    payroll_with_bank = models.BooleanField(_("payroll with the bank"), null=True, blank=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["employer_id"]

    def __str__(self):
        return f"{self.employer_id} {self.name}"


class Product(Published):
    product_id = models.CharField(_("product ID"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=_choices(PRODUCT_CATEGORIES), db_index=True)
    risk_rating = models.CharField(_("risk rating"), max_length=2, choices=_choices(RISK_RATINGS))
    min_amount = money(_("minimum amount"))
    sale_start = models.DateField(_("sale start"))
    sale_end = models.DateField(_("sale end"), null=True, blank=True)
    term_days = models.IntegerField(_("term (days)"), null=True, blank=True)
    expected_return = models.FloatField(_("expected return"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["product_id"]

    def __str__(self):
        return f"{self.product_id} {self.name}"


# --- the customer profile (profiles.parquet) -------------------------------------------------

class Customer(Published):
    customer_id = models.CharField(_("customer ID"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=1, choices=[("M", _("male")), ("F", _("female"))])
    birth_date = models.DateField(_("birth date"))
    age = models.IntegerField(_("age"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40)
    branch = models.ForeignKey(Branch, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                               related_name="customers", verbose_name=_("branch"))
    opened_on = models.DateField(_("opened on"))
    marketing_consent = models.BooleanField(_("marketing consent"))
    do_not_call = models.BooleanField(_("do not call"), null=True, blank=True)
    do_not_disturb = models.BooleanField(_("do not disturb"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, null=True, blank=True)
    industry = models.CharField(_("industry"), max_length=100, null=True, blank=True)
    employer_id = models.CharField(_("employer"), max_length=32, null=True, blank=True)
    region = models.CharField(_("region"), max_length=10, null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=_choices(RISK_LEVELS), null=True, blank=True)
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=20, null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=4, choices=_choices(TIERS), null=True, blank=True, db_index=True)
    persona = models.CharField(_("persona"), max_length=20, null=True, blank=True)
    familiarity = models.CharField(_("familiarity"), max_length=1, null=True, blank=True)
    aum = money(_("AUM"), null=True, blank=True)
    current = money(_("current"), null=True, blank=True)
    time_deposit = money(_("time deposit"), null=True, blank=True)
    investments = money(_("investments"), null=True, blank=True)
    balance_as_of = models.DateField(_("balance as of"), null=True, blank=True)
    aum_avg30 = money(_("30-day average AUM"), null=True, blank=True)
    aum_trend30 = models.FloatField(_("30-day AUM trend"), null=True, blank=True)
    has_mobile_banking = models.BooleanField(_("mobile banking"), null=True, blank=True)
    has_credit_card = models.BooleanField(_("credit card"), null=True, blank=True)
    has_third_party_binding = models.BooleanField(_("third-party binding"), null=True, blank=True)
    has_investment = models.BooleanField(_("investment"), null=True, blank=True)
    has_payroll = models.BooleanField(_("payroll"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    days_since_contact = models.IntegerField(_("days since contact"), null=True, blank=True)
    owner_staff_id = models.CharField(_("owner"), max_length=32, null=True, blank=True, db_index=True)
    remote_staff_id = models.CharField(_("remote RM"), max_length=32, null=True, blank=True, db_index=True)
    advisor_staff_id = models.CharField(_("advisor"), max_length=32, null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["customer_id"]

    def __str__(self):
        return f"{self.customer_id} {self.name}"


class Relative(Published):
    customer = customer_fk(related_name="relatives")
    relation = models.CharField(_("relation"), max_length=10)
    name = models.CharField(_("name"), max_length=100)
    birth_date = models.DateField(_("birth date"))

    class Meta:
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")
        constraints = [models.UniqueConstraint(fields=["customer", "relation", "name"], name="relative_key")]


class Service(Published):
    customer = customer_fk(related_name="services")
    service = models.CharField(_("service"), max_length=24, choices=_choices(SERVICES))
    since = models.DateField(_("since"))

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [models.UniqueConstraint(fields=["customer", "service"], name="service_key")]


class Assignment(Published):
    customer = customer_fk(related_name="assignments")
    staff_id = models.CharField(_("staff"), max_length=32, db_index=True)
    role = models.CharField(_("role"), max_length=10)
    since = models.DateField(_("since"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["customer", "role"], name="assignment_key")]


class ChannelPlan(Published):
    customer = customer_fk(related_name="channel_plans")
    channel = models.CharField(_("channel"), max_length=20, choices=_choices(PLAN_CHANNELS))
    plan = models.CharField(_("plan"), max_length=500)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    staff_id = models.CharField(_("staff"), max_length=32, null=True, blank=True)

    class Meta:
        verbose_name = _("channel plan")
        verbose_name_plural = _("channel plans")
        constraints = [models.UniqueConstraint(fields=["customer", "channel", "valid_from"], name="channel_plan_key")]


class ContactHistory(Published):
    """A contact from the contract `contacts` table (what the bank's systems recorded up to D−1)."""

    contact_id = models.CharField(_("contact ID"), max_length=40, primary_key=True)
    customer = customer_fk(related_name="contact_history")
    staff_id = models.CharField(_("staff"), max_length=32, db_index=True)
    at = models.DateTimeField(_("at"))
    channel = models.CharField(_("channel"), max_length=10, choices=_choices(CONTACT_CHANNELS))
    outcome = models.CharField(_("outcome"), max_length=20, choices=_choices(CONTACT_OUTCOMES))
    product_id = models.CharField(_("product"), max_length=32, null=True, blank=True)
    note = models.TextField(_("note"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact (history)")
        verbose_name_plural = _("contacts (history)")
        indexes = [models.Index(fields=["customer", "at"], name="contact_customer_at")]


class MarketClose(Published):
    symbol = models.CharField(_("symbol"), max_length=40)
    as_of = models.DateField(_("as of"))
    close = dec6(_("close"))

    class Meta:
        verbose_name = _("market close")
        verbose_name_plural = _("market closes")
        constraints = [models.UniqueConstraint(fields=["symbol", "as_of"], name="market_close_key")]


class News(Published):
    published_at = models.DateTimeField(_("published at"), db_index=True)
    source = models.CharField(_("source"), max_length=100)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), null=True, blank=True)

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")


# --- the customer's money (holdings, flows, balances) ---------------------------------------

class Holding(Published):
    holding_id = models.CharField(_("holding ID"), max_length=40, primary_key=True)
    customer = customer_fk(related_name="holdings")
    product_id = models.CharField(_("product"), max_length=32, db_index=True)
    product_name = models.CharField(_("product name"), max_length=200, null=True, blank=True)
    category = models.CharField(_("category"), max_length=20, null=True, blank=True)
    risk_rating = models.CharField(_("risk rating"), max_length=2, null=True, blank=True)
    amount = money(_("amount"))
    bought_on = models.DateField(_("bought on"))
    matures_on = models.DateField(_("matures on"), null=True, blank=True, db_index=True)
    units = dec6(_("units"), null=True, blank=True)
    cost_nav = dec6(_("cost NAV"), null=True, blank=True)
    latest_nav = dec6(_("latest NAV"), null=True, blank=True)
    market_value = money(_("market value"), null=True, blank=True)
    gain = money(_("gain"), null=True, blank=True)

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")


class Flow(Published):
    """A transaction of the last 90 days up to D−1."""

    txn_id = models.CharField(_("transaction ID"), max_length=40, primary_key=True)
    customer = customer_fk(related_name="flows")
    account_id = models.CharField(_("account"), max_length=40)
    booked_at = models.DateTimeField(_("booked at"))
    amount = money(_("amount"))
    kind = models.CharField(_("kind"), max_length=12, choices=_choices(TRANSACTION_KINDS))
    counterparty = models.CharField(_("counterparty"), max_length=200, null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=40, null=True, blank=True)

    class Meta:
        verbose_name = _("flow")
        verbose_name_plural = _("flows")
        indexes = [models.Index(fields=["customer", "booked_at"], name="flow_customer_booked")]


class BalanceSnapshot(Published):
    """A daily balance snapshot of the last 365 days up to D−1 (the AUM chart)."""

    # ~365 rows per customer: the unique (customer, as_of) index serves every lookup, and each
    # extra index would cost a million more index writes on the first publish
    customer = customer_fk(related_name="balances", db_index=False)
    as_of = models.DateField(_("as of"))
    current = money(_("current"))
    time_deposit = money(_("time deposit"))
    investments = money(_("investments"))
    aum = money(_("AUM"))

    class Meta:
        verbose_name = _("balance snapshot")
        verbose_name_plural = _("balance snapshots")
        constraints = [models.UniqueConstraint(fields=["customer", "as_of"], name="balance_key")]


class Signal(Published):
    """A maintenance signal (维护信号) of the run for `date`; per-date rows, replaced when D is rerun."""

    date = models.DateField(_("date"))
    customer = customer_fk(related_name="signals")
    rule = models.CharField(_("rule"), max_length=40)
    urgency = models.IntegerField(_("urgency"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    explanation = models.TextField(_("explanation"))

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [models.Index(fields=["date", "customer"], name="signal_date_customer"),
                   models.Index(fields=["date", "rule"], name="signal_date_rule")]


class Publication(models.Model):
    """One publish of a run's files into the app DB."""

    date = models.DateField(_("business date"), db_index=True)
    full = models.BooleanField(_("full"), default=False)
    started_at = models.DateTimeField(_("started at"))
    duration_s = models.FloatField(_("duration (s)"))
    counts = models.JSONField(_("counts"), default=dict)  # {table: {inserted, updated, deleted, unchanged}}
    skipped = models.JSONField(_("skipped files"), default=list)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"{self.date} @ {self.started_at:%Y-%m-%d %H:%M}"
