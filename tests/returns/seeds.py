"""The return reasons the migration seeds, again: a ``transactional_db`` test's flush empties every table, so the
tests after it (and the servers and workers they start) would find none."""

from __future__ import annotations

import importlib

from returns.models import ReturnReason

SEEDED = importlib.import_module("returns.migrations.0002_reasons_and_staff").REASONS


def seed_reasons() -> None:
    for position, (code, (fault, fee)) in enumerate(SEEDED.items()):
        ReturnReason.objects.get_or_create(
            code=code, defaults={"store_fault": fault, "restocking_fee_percent": fee, "position": position}
        )
