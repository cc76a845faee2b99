"""Writes of the service desk: internal notes. (A customer's details change through accounts.services.)"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import services as accounts
from accounts.models import CustomerGroup, CustomerProfile, User
from core.errors import ApplicationError
from desk.models import Note
from orders.models import Order

NOTE_MAX_LENGTH = 2000


class NoteError(ApplicationError):
    code = "note_invalid"


def add_note(*, author: User, text: str, customer: User | None = None, order: Order | None = None) -> Note:
    """A staff note on an order (``order``: it is also on its customer's timeline) or on a customer. Notes are
    append-only records, not changes to the order: its version stays, so the shopper's cached pages and edits
    staged before are untouched, and an unpaid edit can still be undone."""
    text = text.strip()
    if not text:
        raise NoteError(_("Write the note first."), code="note_empty", fields={"text": [_("This field is required.")]})
    if len(text) > NOTE_MAX_LENGTH:
        message = ngettext(
            "A note holds at most %(count)d character.", "A note holds at most %(count)d characters.", NOTE_MAX_LENGTH
        ) % {"count": NOTE_MAX_LENGTH}
        raise NoteError(message, code="note_too_long", fields={"text": [message]})
    if not author.is_staff:
        raise NoteError(_("Only staff write internal notes."), code="not_staff")
    if order is not None:
        customer_id = order.customer_id
    elif customer is not None and not customer.is_staff:
        customer_id = customer.pk
    else:
        raise NoteError(_("A note is about a customer or an order."), code="note_subject")
    with transaction.atomic():
        return Note.objects.create(customer_id=customer_id, order=order, author=author, text=text)


def update_customer(
    *,
    customer: User,
    name: str,
    language: str,
    vat_id: str,
    marketing_consent: bool,
    terms: tuple[CustomerGroup | None, bool] | None = None,
) -> CustomerProfile:
    """Staff change a customer's details (consent changes are recorded as the staff's); ``terms`` (group, tax
    exempt) only from staff allowed to set prices. One transaction: all of it or nothing."""
    with transaction.atomic():
        profile = accounts.update_profile(
            user=customer,
            name=name,
            language=language,
            vat_id=vat_id,
            marketing_consent=marketing_consent,
            source=CustomerProfile.ConsentSource.STAFF,
        )
        if terms is not None:
            group, tax_exempt = terms
            accounts.set_customer_terms(user=customer, group=group, tax_exempt=tax_exempt)
            profile.refresh_from_db()
    return profile
