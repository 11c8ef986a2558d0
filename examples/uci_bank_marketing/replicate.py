"""Make a bigger warehouse for timing ``yuanwei learn``: the converted UCI contacts repeated N times.

    python examples/uci_bank_marketing/replicate.py HOME N

Copy r (1 … N−1) of every customer, relative, account and contact gets the suffix ``-r<r>`` and is
moved ``r × 1,000`` days later (market closes too), so the copies follow one another in time. Only
for measuring speed: the copies carry no new information.
"""

from __future__ import annotations

import sys

from yuanwei.paths import Home
from yuanwei.warehouse.db import connect

SHIFT_DAYS = 1000


def replicate(home: Home, n: int) -> int:
    con = connect(home.warehouse)
    try:
        for r in range(1, n):
            s, d = f"-r{r}", r * SHIFT_DAYS
            con.execute(f"""INSERT INTO customers SELECT * REPLACE (customer_id || '{s}' AS customer_id)
                            FROM customers WHERE customer_id NOT LIKE '%-r%'""")
            con.execute(f"""INSERT INTO relatives SELECT * REPLACE (customer_id || '{s}' AS customer_id)
                            FROM relatives WHERE customer_id NOT LIKE '%-r%'""")
            con.execute(f"""INSERT INTO accounts SELECT * REPLACE (account_id || '{s}' AS account_id,
                            customer_id || '{s}' AS customer_id) FROM accounts WHERE customer_id NOT LIKE '%-r%'""")
            con.execute(f"""INSERT INTO contacts SELECT * REPLACE (contact_id || '{s}' AS contact_id,
                            customer_id || '{s}' AS customer_id, "at" + INTERVAL {d} DAY AS "at",
                            at_day + INTERVAL {d} DAY AS at_day) FROM contacts WHERE contact_id NOT LIKE '%-r%'""")
            con.execute(f"""INSERT INTO market SELECT * REPLACE (as_of + INTERVAL {d} DAY AS as_of)
                            FROM market WHERE as_of < DATE '2011-01-01'""")
        return con.execute("SELECT count(*) FROM contacts WHERE outcome <> 'no_answer' AND product_id IS NOT NULL").fetchone()[0]
    finally:
        con.close()


if __name__ == "__main__":
    print(f"{replicate(Home.resolve(sys.argv[1]), int(sys.argv[2])):,} outcomes")
