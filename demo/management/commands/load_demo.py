from django.core.management.base import BaseCommand
from tqdm import tqdm

from demo import loader as demo
from demo.bulk import bulk_load
from demo.returns_loader import load_demo_returns


class Command(BaseCommand):
    help = "Load the demo store (idempotent); optionally generate N customers and M orders for load tests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=0, help="generated customers (in addition to the demo shopper)"
        )
        parser.add_argument("--orders", type=int, default=0, help="generated orders, spread over the customers")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="write generated customers and orders with COPY (load tests at scale) instead of placing each one",
        )

    def handle(self, *args, customers, orders, seed, bulk, **options):
        demo.load_catalog()
        _staff, otpauth, backup_codes = demo.ensure_staff_user()
        placed = demo.load_demo_shopper()
        self.stdout.write(f"Catalog ready; demo shopper {demo.DEMO_EMAIL}: {placed or 'already has'} orders.")
        returned = load_demo_returns(
            progress=lambda it: tqdm(it, desc="returns", unit="order", mininterval=1, file=self.stderr._out)
        )
        self.stdout.write(f"Returns: {returned or 'the demo shopper already has'} returns in every state.")
        self.stdout.write(f"Staff authenticator: {otpauth}")
        self.stdout.write(f"Staff backup codes (each works once): {' '.join(backup_codes)}")
        if orders and not customers:
            customers = max(1, orders // 10)
        if bulk and (customers or orders):
            counts = bulk_load(
                customers=customers,
                orders=orders,
                seed=seed,
                progress=lambda it, desc, unit: tqdm(it, desc=desc, unit=unit, mininterval=2, file=self.stderr._out),
            )
            self.stdout.write("Bulk rows written: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
        elif customers or orders:
            made = demo.generate(
                customers=customers,
                orders=orders,
                seed=seed,
                progress=lambda it: tqdm(it, desc="orders", unit="order", mininterval=1, file=self.stderr._out),
            )
            self.stdout.write(f"Generated {made} orders for {customers} customers.")
