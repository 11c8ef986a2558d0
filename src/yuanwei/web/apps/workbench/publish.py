"""What the workbench app loads from a run folder: the day's tasks and excluded candidates.

Both are optional: a run made before the tasks stage existed has neither file.
"""

from yuanwei.results import RESULT_TABLES
from yuanwei.web.publishing import TableSpec

SPECS = [
    # one customer for one RM on one day: updated in place, so a task keeps its id across reruns
    TableSpec("tasks", "workbench.Task", tuple(RESULT_TABLES["tasks"].names), ("date", "staff_id", "customer_id"),
              per_date=True, optional=True, json_columns=("evidence",)),
    TableSpec("excluded", "workbench.ExcludedCandidate", tuple(RESULT_TABLES["excluded"].names), None,
              per_date=True, optional=True),
]
