"""`make bench`: load a large store, serve it with gunicorn, drive it with wrk, print and save the table.

Every page is measured the same way in one run (wrk over loopback, signed-in shoppers picked at random
from prepared sessions), beside a baseline page that renders a tiny template after one indexed query.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import psycopg
import redis
from django.conf import settings

from core.redis_urls import with_db

ROOT = Path(__file__).resolve().parent.parent
BENCH_REDIS_DB = 12  # tests use 13
# (scenario, label, target: a ratio to the baseline, an absolute p50 as text, or None)
SCENARIOS = [
    ("baseline", "baseline: tiny page, one indexed query", None),
    ("order_list", "order list", 0.5),
    ("order_detail", "order detail (1-50 lines), first view", 0.5),
    ("order_detail_again", "order detail, viewed again (cached)", 0.5),
    ("status_link", "status link page, first view", None),
    ("status_link_again", "status link page, viewed again (cached)", None),
    ("edit_preview", "edit preview (API)", 0.3),
    ("edit_commit", "edit commit, distinct orders (API)", 0.2),
    ("edit_commit_hot", "edit commit, one hot order (API)", None),
    ("sign_in_code", "sign-in code request", None),
    # The service desk (issue 20): absolute targets, as staff pages are few and heavy.
    ("staff_order_list", "admin: order list, pages 1-200", "p50 ≤ 300 ms"),
    ("staff_customer_list", "admin: customer list, pages 1-200", "p50 ≤ 300 ms"),
    ("staff_customers_owing", "admin: customers with a balance due", "p50 ≤ 300 ms"),
    ("staff_search_email", "admin: customer search, email", "p50 ≤ 300 ms"),
    ("staff_search_name", "admin: customer search, name", "p50 ≤ 300 ms"),
    ("staff_search_phone", "admin: customer search, phone", "p50 ≤ 300 ms"),
    ("staff_search_street", "admin: customer search, street", "p50 ≤ 300 ms"),
    ("staff_search_postal_code", "admin: customer search, postal code", "p50 ≤ 300 ms"),
    ("staff_search_company", "admin: customer search, company", "p50 ≤ 300 ms"),
    ("staff_search_vat_id", "admin: customer search, VAT ID", "p50 ≤ 300 ms"),
    ("staff_search_order_number", "admin: customer search, order number", "p50 ≤ 300 ms"),
]
GROWTH = ["baseline", "order_list", "order_detail", "status_link"]
# Scenarios whose requests may each be sent once: a run that comes round to them again is warned of.
FIRST_VIEWS = ["order_detail", "status_link", "edit_commit"]
BESIDE_SECONDS = 4  # each page once: the run must not wrap round its list


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    start: int = 0  # requests sent before the measured ones (the warm-up): the script's position
    baseline_rps: float | None = None  # the baseline measured just before this page: its ratio's floor


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def server_url(name: str) -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgresql://{db['USER']}@{quote(host, safe='')}/{name}"
    return f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@{host}:{db.get('PORT') or 5432}/{name}"


def recreate_database(name: str) -> str:
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url(name)


def manage(*args: str, env: dict, quiet: bool = False) -> None:
    subprocess.run(  # noqa: S603 - this interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def existing_orders(name: str) -> int:
    try:
        with psycopg.connect(server_url(name)) as conn:
            row = conn.execute("SELECT count(*) FROM orders_order WHERE email LIKE 'bulk%'").fetchone()
            return row[0] if row else 0
    except psycopg.Error:
        return 0


def load_store(name: str, *, customers: int, orders: int, base_env: dict, reuse: bool = False) -> dict:
    if reuse and existing_orders(name) >= orders:
        log(f"{name}: reusing the loaded store")
        env = {**base_env, "DATABASE_URL": server_url(name)}
        manage("migrate", "--noinput", "-v0", env=env)  # the code may have moved on since it was loaded
        return env
    env = {**base_env, "DATABASE_URL": recreate_database(name)}
    started = time.monotonic()
    manage("migrate", "--noinput", "-v0", env=env)
    manage("load_demo", "--bulk", "--customers", str(customers), "--orders", str(orders), env=env)
    log(f"{name}: {orders:,} orders loaded in {time.monotonic() - started:.0f} s")
    vacuum(name)
    return env


def vacuum(name: str) -> None:
    """Vacuum the fresh store before measuring: otherwise autovacuum makes its first pass over millions of
    new rows during the run (the baseline lost a quarter of its throughput to it), and index-only scans
    wait for the visibility map it writes."""
    started = time.monotonic()
    with psycopg.connect(server_url(name), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")  # write the vacuumed pages out now, not mid-run
    log(f"{name}: vacuumed in {time.monotonic() - started:.0f} s")


def bench_redis_url() -> str:
    """A Redis database of the benchmark's own: its caches, sessions and queues never mix with the dev store's."""
    return with_db(settings.REDIS_URL, BENCH_REDIS_DB)


def empty_caches() -> None:
    """Each store starts with empty caches: pages cached for another store (same ids) or run are not measured."""
    redis.Redis.from_url(bench_redis_url()).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as production runs it: sync workers, persistent database connections."""

    def __init__(self, env: dict, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - gunicorn from this venv, arguments of ours
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/store/account/login/", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(port: int, script: Path, *, duration: int, connections: int, start: int = 0) -> Result:
    out = subprocess.run(  # noqa: S603 - wrk, arguments of ours
        [  # noqa: S607 - wrk from PATH, as main() checked with shutil.which
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(start),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, out, re.M)
        if match is None:
            raise RuntimeError(f"wrk's output has no {pattern!r}:\n{out}")
        return match

    def latency(label: str) -> float:
        value, unit = find(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$").groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(
        rps=float(find(r"Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=latency("50%"),
        p99_ms=latency("99%"),
        requests=int(find(r"(\d+) requests in").group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def measure(env: dict, inputs: Path, scenarios: list[str], *, duration: int, connections: int, workers: int) -> dict:
    server = Server(env, workers)
    try:
        results = {}
        for name in scenarios:
            # The machine's speed drifts within minutes: each page's ratio is to a baseline measured just before it.
            beside = None
            if name != "baseline":
                beside = wrk(server.port, inputs / "baseline.lua", duration=BESIDE_SECONDS, connections=connections)
            # Warm caches and workers; requests still in flight when it stops were sent too, hence the offset.
            warm = wrk(server.port, inputs / f"{name}.lua", duration=2, connections=connections)
            start = warm.requests + connections
            results[name] = replace(
                wrk(server.port, inputs / f"{name}.lua", duration=duration, connections=connections, start=start),
                start=start,
                baseline_rps=beside.rps if beside else None,
            )
            log(
                f"{name}: {results[name].rps:.0f} req/s, p50 {results[name].p50_ms:.1f} ms, p99 {results[name].p99_ms:.1f} ms"
            )
        return results
    finally:
        server.stop()


def run(
    *,
    customers: int,
    orders: int,
    small_orders: int,
    duration: int,
    connections: int,
    workers: int,
    out: Path,
    reuse: bool = False,
    only: list[str] | None = None,
) -> str:
    known = [s for s, _, _ in SCENARIOS]
    if unknown := set(only or []) - set(known):
        raise SystemExit(f"unknown scenarios {sorted(unknown)}; known: {', '.join(known)}")
    scenarios = [s for s in known if not only or s == "baseline" or s in only]
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk (make bench does this when it can)")
    started = time.monotonic()
    base_name = settings.DATABASES["default"]["NAME"]
    base_env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "BENCH_VIEWS": "1",
        "DB_CONN_MAX_AGE": "600",
        "REDIS_URL": bench_redis_url(),
        "LOG_LEVEL": "ERROR",
        # The limits guard real sign-ins; the benchmark asks for codes far faster on purpose.
        "RATE_SIGN_IN_CODE_REQUESTS": "100000000/h/ip,100000000/h/key",
    }
    manage("collectstatic", "--noinput", "-v0", env=base_env)  # production serves hashed static files
    large = load_store(f"{base_name}_bench_large", customers=customers, orders=orders, base_env=base_env, reuse=reuse)
    growth = [
        s for s in GROWTH if not only
    ]  # a partial run is for working on a page, not for the table's growth column
    small = (
        load_store(
            f"{base_name}_bench_small", customers=max(1000, small_orders // 10), orders=small_orders, base_env=base_env
        )
        if growth
        else {}
    )
    with tempfile.TemporaryDirectory() as tmp:
        inputs_large, inputs_small = Path(tmp) / "large", Path(tmp) / "small"
        empty_caches()
        manage("bench_prepare", str(inputs_large), env=large)
        queries = json.loads((inputs_large / "queries.json").read_text())
        sizes = json.loads((inputs_large / "sizes.json").read_text())
        log(f"measuring at {orders:,} orders")
        big = measure(large, inputs_large, scenarios, duration=duration, connections=connections, workers=workers)
        little = {}
        if growth:
            empty_caches()
            manage("bench_prepare", str(inputs_small), env=small)
            log(f"measuring at {small_orders:,} orders")
            little = measure(small, inputs_small, growth, duration=duration, connections=connections, workers=workers)
    table = report(
        big,
        little,
        queries,
        sizes=sizes,
        orders=orders,
        small_orders=small_orders,
        workers=workers,
        connections=connections,
        duration=duration,
        minutes=(time.monotonic() - started) / 60,
    )
    out.write_text(table)
    return table


def report(big, little, queries, *, sizes, orders, small_orders, workers, connections, duration, minutes) -> str:
    def ratio(result: Result, baseline: Result) -> float:
        return result.rps / (result.baseline_rps or baseline.rps)

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"gunicorn {workers} sync workers, wrk 1 thread × {connections} connections × {duration} s per page, loopback.",
        f"Store: {orders:,} orders (growth column: {small_orders:,}). Run took {minutes:.1f} minutes.",
        "",
        "| page | req/s | baseline beside | ratio to baseline | target | p50 ms | p99 ms | p99/p50 | queries | non-2xx "
        f"| req/s at {small_orders:,} orders | ratio there | change |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label, target in SCENARIOS:
        if name not in big:
            continue
        result, growth = big[name], little.get(name)
        beside = f"{result.baseline_rps:.0f}" if result.baseline_rps else ""
        there = f"{ratio(growth, little['baseline']):.2f}" if growth and name != "baseline" else ""
        # Growth compares throughput against the floor at each size; the baseline's own row compares req/s.
        if growth and name != "baseline":
            change = f"{ratio(result, big['baseline']) / ratio(growth, little['baseline']) - 1:+.0%}"
        else:
            change = f"{(result.rps - growth.rps) / growth.rps:+.0%}" if growth else ""
        lines.append(
            f"| {label} | {result.rps:.0f} | {beside} | {ratio(result, big['baseline']):.2f} | "
            f"{target if isinstance(target, str) else '≥ ' + str(target) if target else ''} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
            # No p50: every request timed out (wrk's 2 s); the row still goes in, for what it says.
            f"{result.p99_ms / result.p50_ms if result.p50_ms else float('nan'):.1f} | {queries.get(name, '')} | "
            f"{result.non_2xx} | "
            f"{f'{growth.rps:.0f}' if growth else ''} | {there} | {change} |"
        )
    lines.append("")
    lines.append(
        "Ratio: the page's req/s over the baseline's, measured just before it (this machine's speed drifts within"
        " minutes). Change: the ratio at the large store over the ratio at the small one."
    )
    lines.append(
        "non-2xx on the hot order are the expected 409 conflicts: one commit wins, the rest are told to review."
    )
    for name in FIRST_VIEWS:
        if name in big and big[name].start + big[name].requests > sizes[name]:
            lines.append(
                f"Warning: {name} came round to requests it had sent ({sizes[name]:,} prepared, "
                f"{big[name].start + big[name].requests:,} sent): its figure includes repeats (cached views, "
                "commits already made)."
            )
    return "\n".join(lines) + "\n"
