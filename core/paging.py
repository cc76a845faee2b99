"""Admin lists of big tables without a ``COUNT(*)`` per page: PostgreSQL's own estimate of the table's rows
(``pg_class.reltuples``, kept by autovacuum and ANALYZE) stands in for the count of an unfiltered list."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

# Below this many rows counting is cheap (a few ms) and exact; above it the estimate is used.
ESTIMATE_ABOVE = 10_000


def estimated_rows(table: str) -> int:
    """The planner's estimate of ``table``'s rows; -1 when it has none yet (never vacuumed or analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else -1


class EstimatedCountPaginator(Paginator):
    """Pages an unfiltered list by the table's estimated size when it is big (``estimated`` says so); counts
    exactly when the table is small or has no estimate. The last page may be shorter than the count says."""

    def __init__(self, object_list, per_page, *, table: str, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.table = table
        self.estimated = False

    @cached_property
    def count(self) -> int:
        estimate = estimated_rows(self.table)
        if estimate > ESTIMATE_ABOVE:
            self.estimated = True
            return estimate
        return super().count
