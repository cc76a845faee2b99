from pathlib import Path

from django.core.management.base import BaseCommand

from demo.bench import run


class Command(BaseCommand):
    help = "Benchmark the account center: load a large store, serve it with gunicorn, drive it with wrk."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--orders", type=int, default=1_000_000)
        parser.add_argument("--small-orders", type=int, default=10_000)
        parser.add_argument("--duration", type=int, default=10, help="seconds per page")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--out", type=Path, default=Path("bench-results.md"))
        parser.add_argument(
            "--reuse", action="store_true", help="keep an already loaded large store (saves ~6 minutes)"
        )
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated scenarios to measure (the baseline is always measured); skips the growth run",
        )

    def handle(
        self, *args, customers, orders, small_orders, duration, connections, workers, out, reuse, only, **options
    ):
        self.stdout.write(
            run(
                customers=customers,
                orders=orders,
                small_orders=small_orders,
                duration=duration,
                connections=connections,
                workers=workers,
                out=out,
                reuse=reuse,
                only=[name for name in only.split(",") if name],
            )
        )
