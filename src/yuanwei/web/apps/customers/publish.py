"""What the customers app loads from a run folder (see yuanwei.web.publishing for how)."""

from yuanwei.contract.schema import TABLES
from yuanwei.results import RESULT_TABLES
from yuanwei.web.publishing import TableSpec


def _reference(file: str, model: str) -> TableSpec:
    """A contract table copied by the run as of D−1: the contract's columns and key."""
    t = TABLES[file]
    return TableSpec(file, model, t.column_names, t.key)


def _result(file: str, model: str, key, **kw) -> TableSpec:
    return TableSpec(file, model, tuple(RESULT_TABLES[file].names), key, **kw)


SPECS = [
    _reference("branches", "customers.Branch"),
    _reference("staff", "customers.Staff"),
    _reference("employers", "customers.Employer"),
    _reference("products", "customers.Product"),
    _result("profiles", "customers.Customer", ("customer_id",)),
    _reference("relatives", "customers.Relative"),
    _reference("services", "customers.Service"),
    _reference("assignments", "customers.Assignment"),
    _reference("channel_plans", "customers.ChannelPlan"),
    _reference("contacts", "customers.ContactHistory"),
    _reference("market", "customers.MarketClose"),
    _reference("news", "customers.News"),
    _result("holdings", "customers.Holding", ("holding_id",)),
    _result("flows", "customers.Flow", ("txn_id",)),
    _result("balances", "customers.BalanceSnapshot", ("customer_id", "as_of")),
    # a rule may fire more than once for a customer (two maturing holdings): no natural key
    _result("signals", "customers.Signal", None, per_date=True, json_columns=("evidence",)),
]
