"""RQ entry points of editing: thin, take ids, safe to run twice (and the sweeper)."""

from editing.settlement import expire_unpaid_edit
from editing.sweeper import sweep as run_sweep


def expire_unpaid_edit_job(request_id: int) -> bool:
    return expire_unpaid_edit(request_id=request_id) is not None


def sweep() -> dict:
    return run_sweep()
