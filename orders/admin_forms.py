"""The base form of the staff action pages in admin (orders.admin_views.action_page): the services decide
what is allowed, and their refusals are put back on the form by ``OrderActionForm.show_error``.
"""

from __future__ import annotations

from django import forms

from core.errors import ApplicationError


class OrderActionForm(forms.Form):
    """Base of every staff action page's form (the delivery form in ``orders.admin_fulfilment``; desk.forms)."""

    def field_for(self, key: str) -> str | None:
        """The form field a service's ``fields`` key belongs to, if any."""
        return key if key in self.fields else None

    def show_error(self, error: ApplicationError) -> None:
        """A service's refusal on the form: its field errors under their fields, its message on top."""
        for key, field_errors in (error.fields or {}).items():
            name = self.field_for(key)
            if name and name not in self.errors:
                self.add_error(name, [str(message) for message in field_errors])
        self.add_error(None, str(error.message))

    def line_rows(self) -> list:
        """(line, quantity field) rows shown as a table above the other fields; none by default."""
        return []

    def detail_fields(self) -> list:
        return list(self)
