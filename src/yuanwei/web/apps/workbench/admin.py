from yuanwei.web.apps.customers.admin import _register

from . import models

_register(models.Task, ("date", "staff_id", "rank", "customer_id", "purpose", "rules", "window", "score"),
          ("staff_id", "customer__customer_id"), ("date", "purpose"))
_register(models.ExcludedCandidate, ("date", "customer_id", "rule", "staff_id", "reason_code", "reason"),
          ("customer__customer_id", "staff_id"), ("date", "reason_code"))
