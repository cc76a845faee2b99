from pathlib import Path

from django.core.management.base import BaseCommand

from demo.bench_prepare import prepare


class Command(BaseCommand):
    help = "Write the load test's inputs (Lua request lists, query counts) for the current database."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path)

    def handle(self, *args, out, **options):
        counts = prepare(out=out)
        self.stdout.write("Prepared " + ", ".join(f"{name} {n}" for name, n in counts.items()))
