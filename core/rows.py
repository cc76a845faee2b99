"""Model instances from hand-written SQL, for the reads on the hottest paths.

``Model.objects.raw()`` matches the cursor's columns to the model's fields on every query, and that
matching cost more than PostgreSQL spent on the account pages' small reads. Here the SELECT lists each
model's columns in field order (``columns()``), so a row becomes an instance the way the ORM builds one
(``Model.from_db`` with every field, the positional fast path), with the fields' converters applied.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model


@cache
def _layout(model: type[Model]) -> tuple[int, int, tuple]:
    """How many columns ``model`` takes in a row, where its primary key is among them, and (position,
    expression, converters) of the ones whose database value needs converting (JSON text, say), as the
    ORM's compiler would apply them."""
    fields = model._meta.concrete_fields
    converting = []
    for position, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        # Field.get_db_converters exists (the compiler calls it), but django-stubs leaves it out.
        converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)  # type: ignore[attr-defined]
        if converters:
            converting.append((position, expression, tuple(converters)))
    return len(fields), fields.index(model._meta.pk), tuple(converting)


def columns(model: type[Model], alias: str) -> str:
    """The SELECT list of ``model``'s columns in field order, from the table named ``alias`` in the query."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


@cache
def _field_names(model: type[Model]) -> tuple[str, ...]:
    """What ``from_db`` is told was loaded: every concrete field (it reads the names only when values are missing)."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def _instance(model: type[Model], values: list):
    for position, expression, converters in _layout(model)[2]:
        for convert in converters:
            values[position] = convert(values[position], expression, connection)
    return model.from_db(connection.alias, _field_names(model), values)


def read(sql: str, params, *models: type[Model]) -> list[tuple]:
    """Run ``sql``, whose SELECT lists ``columns()`` of each of ``models`` in turn and may end with more
    columns; each row as (an instance of each model..., the further values...). A model whose primary key
    is NULL in a row (an outer join that matched nothing) is None there."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    for row in fetched:
        values, start = [], 0
        for model in models:
            width, pk, _converting = _layout(model)
            found = row[start : start + width]
            values.append(None if found[pk] is None else _instance(model, list(found)))
            start += width
        rows.append((*values, *row[start:]))
    return rows


def instances(model: type[Model], sql: str, params, *, extra: tuple[str, ...] = ()) -> list:
    """Instances of ``model`` from ``sql`` (SELECT ``columns(model, ...)`` then one column per name in
    ``extra``), each extra value set on its instance under that name."""
    found = []
    for instance, *values in read(sql, params, model):
        for name, value in zip(extra, values, strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return found


def update(instances: list, fields: list[str]) -> None:
    """Write ``fields`` of saved ``instances`` (one model) in one UPDATE ... FROM (VALUES ...) statement:
    ``bulk_update`` builds a CASE per field and row, which cost more to build than to run on each commit."""
    if not instances:
        return
    meta = type(instances[0])._meta
    chosen = [meta.pk, *(meta.get_field(name) for name in fields)]
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in chosen) + ")"
    names = ", ".join(f'"{field.column}"' for field in chosen)
    sets = ", ".join(f'"{field.column}" = changed."{field.column}"' for field in chosen[1:])
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), connection)
        for instance in instances
        for field in chosen
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{meta.db_table}" AS target SET {sets} FROM (VALUES {", ".join([row] * len(instances))}) '  # noqa: S608 - names from the model's meta, values as parameters
            f'AS changed({names}) WHERE target."{meta.pk.column}" = changed."{meta.pk.column}"',
            params,
        )
