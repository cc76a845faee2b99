from django.core.management.base import BaseCommand

from editing.sweeper import sweep


class Command(BaseCommand):
    help = (
        "Finish what lost jobs left behind: re-queue pending refunds and messages, mark messages whose send "
        "stopped midway as outcome unknown, expire payment requests, send due reminders, release fulfilment "
        "holds, archive finished orders. Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after", type=int, default=None, help="Seconds before a pending refund or message counts as lost."
        )

    def handle(self, *args, stale_after=None, **options):
        done = sweep(stale_after_seconds=stale_after)
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in done.items()))
