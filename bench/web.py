"""Web benchmark: Today and Customer 360 under 50 concurrent RMs over loopback, against a static file
served by the same server process in the same run.

    .venv/bin/python bench/web.py --home var            # a home made by `yuanwei demo --no-serve`
    .venv/bin/python bench/web.py --synthetic 20000     # builds its own 20,000-customer app DB first

The server is `yuanwei serve` (gunicorn gthread workers, whitenoise for static files) in a child
process. Each virtual user is one remote RM with its own session; it loops over Today, the 360 page
of one of its task customers and the static file (/static/css/yuanwei.css) until the time is up,
pausing --think seconds on average between requests (default 1 s, as a person reads a page; with
--think 0 every user fires back to back, which measures the server's saturation, not a page's cost).
Prints one JSON line: p50/p95/mean in ms per page, the p95 ratio to the static file, request
counts, errors, and whether the targets hold (p95 ≤ 150 ms and ≤ 5× the static file).

With --home, the bench sets the password of the RMs it logs in as (bench-only home, never a real one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "bench-web-pw-2026"
PUB = {"row_key": "b", "row_hash": "b"}
TARGET_P95_MS = 150.0
TARGET_RATIO = 5.0


# --- the app DB ----------------------------------------------------------------------------------

def setup_django(home):
    from yuanwei.web.bootstrap import migrate_if_needed, setup

    setup(home)
    migrate_if_needed(home)


def build_synthetic(n_customers: int, n_rms: int, seed: int) -> None:
    """A published-looking app DB: n customers over n_rms remote RMs, 30 tasks each for today, a
    year of balances, holdings, flows, signals and contacts for every task customer."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from yuanwei.web.apps.accounts.models import StaffProfile
    from yuanwei.web.apps.customers import models as cm
    from yuanwei.web.apps.workbench.models import Task

    rnd = random.Random(seed)
    day = timezone.localdate()
    tz = timezone.get_current_timezone()
    b = 2000
    cm.Branch.objects.bulk_create([cm.Branch(branch_id=f"B{i:02d}", name=f"第{i}支行", **PUB) for i in range(1, 5)])
    staff = [f"R{i:04d}" for i in range(1, n_rms + 1)]
    cm.Staff.objects.bulk_create([cm.Staff(staff_id=s, name=f"客户经理{s}", role="remote_rm", branch_id=f"B0{i % 4 + 1}",
                                           team=f"{i % 3 + 1}组", hired_on=dt.date(2020, 1, 1), **PUB)
                                  for i, s in enumerate(staff)])
    cm.Product.objects.bulk_create([cm.Product(product_id=f"P{i:03d}", name=f"稳盈{i}号理财", category="wealth",
                                               risk_rating=f"R{i % 3 + 1}", min_amount=Decimal("10000.00"),
                                               sale_start=day - dt.timedelta(days=60), **PUB) for i in range(40)])
    tiers = ["大众", "金卡", "财富", "钻石"]
    customers, assignments = [], []
    for i in range(n_customers):
        cid, rm = f"C{i:07d}", staff[i % n_rms]
        aum = Decimal(rnd.randint(1_000, 3_000_000))
        customers.append(cm.Customer(
            customer_id=cid, name=f"客户{i}", gender="MF"[i % 2], birth_date=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
            age=30 + i % 40, phone=f"138{i:08d}", branch_id=f"B0{i % 4 + 1}", opened_on=dt.date(2015, 1, 1),
            marketing_consent=True, do_not_call=False, do_not_disturb=False, tier=tiers[i % 4], persona="salaried",
            familiarity="ABC"[i % 3], aum=aum, aum_avg30=aum, current=aum / 4, time_deposit=aum / 4,
            investments=aum / 2, risk_level="C3", risk_assessed_on=day - dt.timedelta(days=100),
            has_mobile_banking=True, has_credit_card=bool(i % 2), has_third_party_binding=bool(i % 3),
            has_investment=True, remote_staff_id=rm, **PUB))
        assignments.append(cm.Assignment(customer_id=cid, staff_id=rm, role="remote", since=dt.date(2024, 1, 1), **PUB))
    cm.Customer.objects.bulk_create(customers, batch_size=b)
    cm.Assignment.objects.bulk_create(assignments, batch_size=b)
    rules = ["large_inflow", "maturity", "idle_cash", "birthday", "tier_up", "no_recent_contact"]
    tasks, task_customers = [], []
    for k, rm in enumerate(staff):
        mine = [c.customer_id for c in customers[k::n_rms]][:30]
        for rank, cid in enumerate(mine, 1):
            r = rnd.sample(rules, 2)
            tasks.append(Task(date=day, staff_id=rm, rank=rank, customer_id=cid, rules=";".join(r),
                              purpose="marketing", channel="phone", offers=f"P{rank % 40:03d};P{(rank + 7) % 40:03d}",
                              window="10:30-11:30", score=1 / rank, explanation="昨日入账 ¥520,000.00，为近90日日均入账的38倍",
                              **PUB))
            task_customers.append(cid)
    Task.objects.bulk_create(tasks, batch_size=b)
    snaps, holds, flows, sigs, hist, rels = [], [], [], [], [], []
    for j, cid in enumerate(task_customers):
        base = rnd.randint(50_000, 2_000_000)
        for d in range(365):
            aum = Decimal(base + d * 100)
            snaps.append(cm.BalanceSnapshot(customer_id=cid, as_of=day - dt.timedelta(days=365 - d), current=aum / 4,
                                            time_deposit=aum / 4, investments=aum / 2, aum=aum, **PUB))
        for h in range(3):
            holds.append(cm.Holding(holding_id=f"H{j}-{h}", customer_id=cid, product_id=f"P{h:03d}",
                                    product_name=f"稳盈{h}号理财", category="wealth", risk_rating="R2",
                                    amount=Decimal("100000.00"), bought_on=day - dt.timedelta(days=80),
                                    matures_on=day + dt.timedelta(days=h * 20), market_value=Decimal("101000.00"),
                                    gain=Decimal("1000.00"), **PUB))
        for f in range(20):
            flows.append(cm.Flow(txn_id=f"T{j}-{f}", customer_id=cid, account_id=f"A{j}",
                                 booked_at=dt.datetime.combine(day - dt.timedelta(days=1 + f * 4), dt.time(10), tzinfo=tz),
                                 amount=Decimal(rnd.randint(-5000, 50000)), kind="transfer", **PUB))
        for s in range(4):
            sigs.append(cm.Signal(date=day - dt.timedelta(days=s * 7), customer_id=cid, rule=rules[s], urgency=2,
                                  evidence={}, explanation="近90日日均入账的38倍", **PUB))
        for h in range(5):
            hist.append(cm.ContactHistory(contact_id=f"K{j}-{h}", customer_id=cid, staff_id="R0001", channel="phone",
                                          outcome="reached", note="客户关注理财到期安排",
                                          at=dt.datetime.combine(day - dt.timedelta(days=10 + h * 9), dt.time(15), tzinfo=tz),
                                          **PUB))
        rels.append(cm.Relative(customer_id=cid, relation="spouse", name="王秀英", birth_date=dt.date(1970, 3, 3), **PUB))
    for model, rows in ((cm.BalanceSnapshot, snaps), (cm.Holding, holds), (cm.Flow, flows), (cm.Signal, sigs),
                        (cm.ContactHistory, hist), (cm.Relative, rels)):
        model.objects.bulk_create(rows, batch_size=b)
    for s in staff:
        u = User.objects.create_user(s, password=None)
        StaffProfile.objects.create(user=u, staff_id=s, name=f"客户经理{s}", role="remote_rm",
                                    branch_id="B01", team="1组", hired_on=dt.date(2020, 1, 1))


def bench_users(n: int) -> list[tuple[str, list[str]]]:
    """n remote RMs with tasks today, each with the customers of its tasks; sets their password."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    from yuanwei.web.apps.workbench.models import Task

    day = timezone.localdate()
    by_staff: dict[str, list[str]] = {}
    for sid, cid in Task.objects.filter(date=day).order_by("staff_id", "rank").values_list("staff_id", "customer_id"):
        by_staff.setdefault(sid, []).append(cid)
    chosen = [s for s in by_staff if User.objects.filter(username=s, is_active=True).exists()][:n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} RMs with a user and tasks for {day}; need {n}")
    User.objects.filter(username__in=chosen).update(password=make_password(PASSWORD))
    return [(s, by_staff[s]) for s in chosen]


# --- the server and the load ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "YUANWEI_HOME": str(home)}
    proc = subprocess.Popen([str(ROOT / ".venv/bin/yuanwei"), "--home", str(home), "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import httpx

    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the server exited before answering")
        time.sleep(0.5)
    raise SystemExit("the server did not answer within 120 s")


def login(base: str, username: str):
    import httpx

    c = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    c.get("/accounts/login/")
    r = c.post("/accounts/login/", data={"username": username, "password": PASSWORD,
                                         "csrfmiddlewaretoken": c.cookies.get("csrftoken")},
               headers={"Referer": f"{base}/accounts/login/"})
    if r.status_code != 302:
        raise SystemExit(f"login of {username} failed: {r.status_code}")
    return c


def run_load(base: str, users: list[tuple[str, list[str]]], seconds: float, seed: int, think: float = 0.0) -> dict:
    clients = [(login(base, u), cids) for u, cids in users]
    samples: dict[str, list[float]] = {"today": [], "customer360": [], "static": []}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(clients))
    deadline = [0.0]

    def user(i: int, client, cids):
        rnd = random.Random(seed + i)
        for url in ("/today/", f"/customers/{cids[0]}/", "/static/css/yuanwei.css"):
            client.get(url)  # warm-up, not measured: each user's first Today fills the caches once
        start.wait()
        if i == 0:
            deadline[0] = time.perf_counter() + seconds
        time.sleep(rnd.random() * 0.2)  # users do not all click in the same millisecond
        mine = {"today": [], "customer360": [], "static": []}
        while not deadline[0] or time.perf_counter() < deadline[0]:
            for kind, url in (("today", "/today/"), ("customer360", f"/customers/{rnd.choice(cids)}/"),
                              ("static", "/static/css/yuanwei.css")):
                t0 = time.perf_counter()
                r = client.get(url)
                ms = (time.perf_counter() - t0) * 1000
                if r.status_code != 200:
                    with lock:
                        errors.append(f"{url} {r.status_code}")
                else:
                    mine[kind].append(ms)
                if think:  # an RM reads the page before the next click (think time ± 50%)
                    time.sleep(think * (0.5 + rnd.random()))
        with lock:
            for k, v in mine.items():
                samples[k].extend(v)

    threads = [threading.Thread(target=user, args=(i, c, cids)) for i, (c, cids) in enumerate(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for c, _ in clients:
        c.close()
    return {"samples": samples, "errors": errors, "wall_s": wall}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, help="a home with a published demo (yuanwei demo --no-serve)")
    ap.add_argument("--synthetic", type=int, metavar="N", help="build an app DB of N customers in a temp home")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--think", type=float, default=1.0, metavar="SECONDS",
                    help="mean pause between a user's requests (0: closed loop, measures saturation)")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic home (reuse it with --home)")
    args = ap.parse_args()
    if bool(args.home) == bool(args.synthetic):
        ap.error("give --home DIR or --synthetic N")

    from yuanwei.paths import Home

    tmp = None
    if args.synthetic:
        tmp = tempfile.mkdtemp(prefix="yuanwei-bench-web-")
        home = Home(Path(tmp)).ensure()
    else:
        home = Home(args.home.resolve())
    setup_django(home)
    t_build = time.perf_counter()
    if args.synthetic:
        build_synthetic(args.synthetic, max(args.users, 60), args.seed)
    build_s = time.perf_counter() - t_build
    from yuanwei.web.apps.customers.models import Customer

    n_customers = Customer.objects.count()
    users = bench_users(args.users)
    from django.db import connections

    connections.close_all()

    port = free_port()
    proc = start_server(home.root, port)
    try:
        result = run_load(f"http://127.0.0.1:{port}", users, args.seconds, args.seed, args.think)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if tmp and not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            print(f"kept: --home {tmp}", file=sys.stderr)

    s = result["samples"]
    static_p95 = pct(s["static"], 95)
    from yuanwei.web.server import gunicorn_options

    gunicorn = gunicorn_options("127.0.0.1", port)  # what the served process used
    out = {"customers": n_customers, "users": args.users, "think_s": args.think, "seconds": round(result["wall_s"], 1),
           "workers": gunicorn["workers"], "threads": gunicorn["threads"],
           "cpus": os.cpu_count(), "build_s": round(build_s, 1), "errors": len(result["errors"])}
    for kind in ("today", "customer360", "static"):
        v = s[kind]
        out[kind] = {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1),
                     "mean_ms": round(statistics.fmean(v), 1) if v else None}
    for kind in ("today", "customer360"):
        out[kind]["p95_vs_static"] = round(out[kind]["p95_ms"] / static_p95, 2) if static_p95 else None
        out[kind]["target_met"] = (out[kind]["p95_ms"] <= TARGET_P95_MS
                                   and out[kind]["p95_vs_static"] is not None
                                   and out[kind]["p95_vs_static"] <= TARGET_RATIO)
    if result["errors"]:
        out["first_errors"] = result["errors"][:5]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
