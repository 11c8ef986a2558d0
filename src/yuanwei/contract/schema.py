"""The inbound data contract of DESIGN §3, in one place.

Every other layer (ingest, demo generator, warehouse, engine) reads table and column
definitions from here, so a column is named and typed once.

Kinds of column:
  id         string, leading zeros kept
  str        free text
  enum       one of ``choices`` (case-sensitive as written in DESIGN)
  date       YYYY-MM-DD, a real calendar date
  timestamp  ISO 8601; Asia/Shanghai when no offset is given. Stored as the local
             Asia/Shanghai wall-clock time (naive), with a companion ``<name>_day``
             DATE column so every rule works on the Shanghai day without time zones.
  money      yuan with at most 2 decimals, DECIMAL(18,2)
  decimal    a non-money decimal (nav, index closes), DECIMAL(18,6)
  int        whole number
  float      a rate or ratio (expected_return), DOUBLE
  bool       true/false, 1/0, Y/N, 是/否 (case-insensitive)
"""

from __future__ import annotations

from dataclasses import dataclass, field

TIMEZONE = "Asia/Shanghai"

RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
RISK_RATINGS = ("R1", "R2", "R3", "R4", "R5")
STAFF_ROLES = ("remote_rm", "rm", "wealth_advisor", "lobby", "team_lead", "branch_head", "admin")
CONTACT_OUTCOMES = ("reached", "no_answer", "refused", "interested", "appointment", "sold", "do_not_disturb")
CONTACT_CHANNELS = ("phone", "wechat", "sms", "visit", "branch")
SERVICES = ("mobile_banking", "credit_card", "third_party_binding", "investment", "payroll")
FOUR_BASIC_PRODUCTS = ("mobile_banking", "credit_card", "third_party_binding", "investment")
PRODUCT_CATEGORIES = ("wealth", "fund", "insurance", "time_deposit", "gold", "bond", "certificate")
TRANSACTION_KINDS = ("payroll", "pension", "transfer", "cash", "card", "investment", "fee", "interest", "other")
ACCOUNT_KINDS = ("current", "time_deposit", "card", "loan", "investment")
REGIONS = ("mainland", "hk", "mo", "tw", "foreign")
PLAN_CHANNELS = ("branch", "wealth_center", "call_center", "remote")

SQL_TYPES = {
    "id": "VARCHAR",
    "str": "VARCHAR",
    "enum": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "money": "DECIMAL(18,2)",
    "decimal": "DECIMAL(18,6)",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()
    # (table, column) this column must exist in; checked only when the value is present
    references: tuple[str, str] | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # tables that must be present on the first load into an empty warehouse
    required_on_first_load: bool = False
    doc: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def stored_columns(self) -> list[tuple[str, str]]:
        """(name, SQL type) of the warehouse table, including derived ``<ts>_day`` columns."""
        out = []
        for c in self.columns:
            out.append((c.name, c.sql_type))
            if c.kind == "timestamp":
                out.append((f"{c.name}_day", "DATE"))
        return out


def C(name, kind, required=True, choices=(), references=None):
    return Column(name, kind, required, tuple(choices), references)


TABLES: dict[str, Table] = {}


def _t(name, columns, key, required_on_first_load=False, doc=""):
    TABLES[name] = Table(name, tuple(columns), tuple(key), required_on_first_load, doc)


_t("branches", [
    C("branch_id", "id"), C("name", "str"),
    C("parent_id", "id", False, references=("branches", "branch_id")),
    C("city", "str", False),
], ["branch_id"], True, "网点 / branches")

_t("staff", [
    C("staff_id", "id"), C("name", "str"), C("role", "enum", choices=STAFF_ROLES),
    C("branch_id", "id", references=("branches", "branch_id")),
    C("team", "str", False), C("hired_on", "date"), C("daily_capacity", "int", False),
], ["staff_id"], True, "员工 / staff")

_t("customers", [
    C("customer_id", "id"), C("name", "str"), C("gender", "enum", choices=("M", "F")),
    C("birth_date", "date"), C("phone", "str"),
    C("branch_id", "id", references=("branches", "branch_id")),
    C("opened_on", "date"), C("marketing_consent", "bool"),
    C("do_not_call", "bool", False), C("occupation", "str", False), C("industry", "str", False),
    C("employer_id", "id", False), C("region", "enum", False, REGIONS),
    C("risk_level", "enum", False, RISK_LEVELS), C("risk_assessed_on", "date", False),
    C("preferred_channel", "str", False),
], ["customer_id"], True, "客户 / customers")

_t("relatives", [
    C("customer_id", "id", references=("customers", "customer_id")),
    C("relation", "enum", choices=("spouse", "child", "parent", "other")),
    C("name", "str"), C("birth_date", "date"),
], ["customer_id", "relation", "name"], doc="亲属 / relatives")

_t("assignments", [
    C("customer_id", "id", references=("customers", "customer_id")),
    C("staff_id", "id", references=("staff", "staff_id")),
    C("role", "enum", choices=("owner", "remote", "advisor")),
    C("since", "date"),
], ["customer_id", "role"], doc="管户 / assignments: one staff member per customer and role")

_t("accounts", [
    C("account_id", "id"), C("customer_id", "id", references=("customers", "customer_id")),
    C("kind", "enum", choices=ACCOUNT_KINDS), C("opened_on", "date"), C("closed_on", "date", False),
], ["account_id"], doc="账户 / accounts")

_t("transactions", [
    C("txn_id", "id"), C("account_id", "id", references=("accounts", "account_id")),
    C("customer_id", "id", references=("customers", "customer_id")),
    C("booked_at", "timestamp"), C("amount", "money"),
    C("kind", "enum", choices=TRANSACTION_KINDS),
    C("counterparty", "str", False), C("channel", "str", False),
], ["txn_id"], doc="交易流水 / transactions")

_t("balances", [
    C("customer_id", "id", references=("customers", "customer_id")), C("as_of", "date"),
    C("current", "money"), C("time_deposit", "money"), C("investments", "money"), C("aum", "money"),
], ["customer_id", "as_of"], doc="日终余额 / daily balance snapshots")

_t("products", [
    C("product_id", "id"), C("name", "str"), C("category", "enum", choices=PRODUCT_CATEGORIES),
    C("risk_rating", "enum", choices=RISK_RATINGS), C("min_amount", "money"), C("sale_start", "date"),
    C("sale_end", "date", False), C("term_days", "int", False), C("expected_return", "float", False),
    C("status", "enum", False, ("on_sale", "closed")),
], ["product_id"], doc="产品 / products")

_t("holdings", [
    C("holding_id", "id"), C("customer_id", "id", references=("customers", "customer_id")),
    C("product_id", "id", references=("products", "product_id")), C("amount", "money"),
    C("bought_on", "date"), C("matures_on", "date", False), C("units", "decimal", False),
    C("cost_nav", "decimal", False),
], ["holding_id"], doc="持仓 / holdings")

_t("nav", [
    C("product_id", "id", references=("products", "product_id")), C("as_of", "date"), C("nav", "decimal"),
], ["product_id", "as_of"], doc="净值 / fund and wealth nav")

_t("services", [
    C("customer_id", "id", references=("customers", "customer_id")),
    C("service", "enum", choices=SERVICES), C("since", "date"),
], ["customer_id", "service"], doc="签约服务 / services")

_t("market", [
    C("as_of", "date"), C("symbol", "str"), C("close", "decimal"),
], ["symbol", "as_of"], doc="市场行情 / market closes")

_t("news", [
    C("published_at", "timestamp"), C("source", "str"), C("title", "str"), C("summary", "str", False),
], ["published_at", "source", "title"], doc="资讯 / news headlines")

_t("employers", [
    C("employer_id", "id"), C("name", "str"), C("industry", "str", False),
    C("headcount", "int", False), C("payroll_with_bank", "bool", False),
], ["employer_id"], doc="单位 / employers")

_t("channel_plans", [
    C("customer_id", "id", references=("customers", "customer_id")),
    C("channel", "enum", choices=PLAN_CHANNELS), C("plan", "str"),
    C("valid_from", "date"), C("valid_to", "date"),
    C("staff_id", "id", False),
], ["customer_id", "channel", "valid_from"], doc="其他渠道营销计划 / other channels' plans")

_t("contacts", [
    C("contact_id", "id"), C("customer_id", "id", references=("customers", "customer_id")),
    C("staff_id", "id"), C("at", "timestamp"),
    C("channel", "enum", choices=CONTACT_CHANNELS), C("outcome", "enum", choices=CONTACT_OUTCOMES),
    C("product_id", "id", False), C("note", "str", False),
], ["contact_id"], doc="联系记录 / contacts")

# Load order: a table comes after every table it references.
LOAD_ORDER = (
    "branches", "staff", "employers", "customers", "relatives", "assignments", "accounts",
    "transactions", "balances", "products", "holdings", "nav", "services", "market", "news",
    "channel_plans", "contacts",
)
assert set(LOAD_ORDER) == set(TABLES)

BOOL_TRUE = ("true", "1", "y", "yes", "是", "t")
BOOL_FALSE = ("false", "0", "n", "no", "否", "f")
