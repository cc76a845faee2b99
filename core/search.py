"""Substring search that PostgreSQL answers from an index: one expression per searched text, used both by
the trigram GIN index (``trigram_index``) and by the query (``contains``), so the planner always matches them.

``pg_trgm`` (created by accounts' migration 0007) indexes every three-letter piece of the text, so
``UPPER(text) LIKE '%TERM%'`` is a bitmap index scan for a term of three characters or more, however many
rows there are. Shorter terms can't use it: callers search those only where an exact match is indexed.
"""

from __future__ import annotations

import re

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db.models import BooleanField, Expression, F, Func, Q, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Upper

# Below three characters a term has no trigram: an index can't narrow it down.
MIN_SUBSTRING = 3


def text(path: str) -> Expression | F:
    """A text column, or a key of a JSON column (``"shipping_address__phone"``), as an expression."""
    if "__" in path:
        column, key = path.split("__", 1)
        return KeyTextTransform(key, column)
    return F(path)


def upper(path: str) -> Expression:
    """The text in capitals: searches ignore case (and Django's ``icontains`` compares in capitals too)."""
    return Upper(text(path))


def squeezed(path: str) -> Expression:
    """The text in capitals without spaces: "1012 lg" and "1012LG" are the same postal code or VAT ID."""
    return Upper(Func(text(path), Value(" "), Value(""), function="REPLACE", output_field=TextField()))


def digits(path: str) -> Expression:
    """Only the text's digits: "+31 (0)6-1234 5678" is found by "0612345678" and by "1234 5678"."""
    return Func(
        text(path), Value("[^0-9]+"), Value(""), Value("g"), function="REGEXP_REPLACE", output_field=TextField()
    )


def trigram_index(expression: Expression, *, name: str, condition: Q | None = None) -> GinIndex:
    return GinIndex(OpClass(expression, name="gin_trgm_ops"), name=name, condition=condition)


def contains(expression: Expression | F, term: str) -> Q:
    """``expression`` holds ``term`` (already normalized as the expression is), as the index can answer it."""
    escaped = re.sub(r"([\\%_])", r"\\\1", term)
    return Q(_Like(expression, Value(f"%{escaped}%")))


class _Like(Func):
    """``expression LIKE pattern``: a boolean the planner matches against the trigram index on ``expression``."""

    arg_joiner = " LIKE "
    template = "(%(expressions)s)"
    conditional = True

    def __init__(self, expression, pattern):
        super().__init__(expression, pattern, output_field=BooleanField())


# --- migrations -----------------------------------------------------------------------------------------


def trigram_available(schema_editor) -> bool:
    """Whether this server has pg_trgm (managed PostgreSQL and Debian's do; the embedded dev server doesn't)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


class TrigramExtensionIfAvailable(TrigramExtension):
    """``CREATE EXTENSION pg_trgm`` where the server has it. Without it search still works, by scanning."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if trigram_available(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class AddTrigramIndex(AddIndexConcurrently):
    """A trigram index, built without locking writes, where pg_trgm is installed (see above); skipped elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _has_trigram(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _has_trigram(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _has_trigram(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None
