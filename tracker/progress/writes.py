"""Writing many rollup rows at once.

Django's bulk_create prepares every value of every row in Python and sends one parameter
per value; for the thousand rows of a full recompute that cost more than computing them.
On PostgreSQL the rows go instead as one array per column, unnested by the server into a
single INSERT ... ON CONFLICT DO UPDATE. Elsewhere, bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from psycopg.types.json import Jsonb


def upsert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple], unique: int
) -> None:
    """Insert the rows (tuples of the named fields' values), or update the rows whose first
    `unique` fields already exist with the rest."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor != "postgresql":
        names = [field.attname for field in fields]
        model.objects.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=columns[:unique],
            update_fields=columns[unique:],
        )
        return
    arrays, casts = [], []
    for index, field in enumerate(fields):
        values = [row[index] for row in rows]
        if isinstance(field, models.JSONField):
            values = [None if value is None else Jsonb(value) for value in values]
        arrays.append(values)
        casts.append(f"%s::{field.db_type(connection)}[]")
    quote = connection.ops.quote_name
    names = [quote(field.column) for field in fields]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)}) "
        f"SELECT * FROM unnest({', '.join(casts)}) "
        f"ON CONFLICT ({', '.join(names[:unique])}) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in names[unique:])
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
