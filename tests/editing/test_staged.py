"""The typed staged changes and their JSON in ``EditSession.staged`` (string keys, as stored before)."""

from django.utils.module_loading import import_string

from editing import jobs, settlement
from editing.models import EditSession
from editing.staged import EMPTY, Delivery, StagedChanges

STORED = {
    "quantities": {"12": 3, "14": 0},
    "swaps": {"12": 45},
    "additions": {"46": 2},
    "address": {"name": "Sam Jansen", "country": "NL"},
    "delivery": {"method": 3},
}


def test_json_round_trip_keeps_the_stored_shape():
    staged = StagedChanges.from_json(STORED)
    assert staged.quantities == {12: 3, 14: 0} and staged.swaps == {12: 45} and staged.additions == {46: 2}
    assert staged.address == {"name": "Sam Jansen", "country": "NL"}
    assert staged.delivery == Delivery(method_id=3)
    assert staged.to_json() == STORED
    pickup = {**STORED, "address": None, "delivery": {"pickup": 7}}
    assert StagedChanges.from_json(pickup).delivery == Delivery(pickup_id=7)
    assert StagedChanges.from_json(pickup).to_json() == pickup


def test_empty_and_missing_keys_are_nothing_staged():
    assert StagedChanges.from_json({}) == EMPTY == StagedChanges.from_json(None)
    assert StagedChanges.from_json({"quantities": {"5": 2}}) == StagedChanges(quantities={5: 2})
    assert EMPTY.to_json() == {"quantities": {}, "swaps": {}, "additions": {}, "address": None, "delivery": None}
    assert not EMPTY.has_changes
    assert StagedChanges(address={"country": "NL"}).has_changes
    assert StagedChanges(delivery=Delivery(pickup_id=1)).has_changes


def test_with_returns_a_new_value_and_none_takes_a_change_back():
    staged = EMPTY.with_quantity(12, 3).with_swap(12, 45).with_addition(46, 1)
    assert not EMPTY.quantities and not EMPTY.swaps and not EMPTY.additions  # untouched
    assert staged.quantities == {12: 3} and staged.swaps == {12: 45} and staged.additions == {46: 1}
    assert staged.with_quantity(12, None).quantities == {} and staged.quantities == {12: 3}
    assert staged.with_swap(12, None).swaps == {} and staged.with_addition(46, None).additions == {}


def test_session_reads_and_writes_the_typed_value():
    session = EditSession(staged=STORED)
    assert session.staged_changes == StagedChanges.from_json(STORED)
    session.staged_changes = session.staged_changes.with_quantity(14, None)
    assert session.staged["quantities"] == {"12": 3}


def test_the_expiry_job_is_queued_by_a_path_that_resolves():
    assert import_string(settlement.EXPIRE_UNPAID_EDIT_JOB) is jobs.expire_unpaid_edit_job
