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
    model: type[models.Model],
    rows: Sequence[models.Model],
    unique: Sequence[str],
    fields: Sequence[str],
) -> None:
    """Insert the rows, or update `fields` of the rows whose `unique` fields already exist."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            rows, batch_size=1000, update_conflicts=True, unique_fields=unique,
            update_fields=fields,
        )  # fmt: skip
        return
    columns = [model._meta.get_field(name) for name in (*unique, *fields)]
    arrays, casts = [], []
    for field in columns:
        values = [getattr(row, field.attname) for row in rows]
        if isinstance(field, models.JSONField):
            values = [None if value is None else Jsonb(value) for value in values]
        arrays.append(values)
        casts.append(f"%s::{field.db_type(connection)}[]")
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
        f"SELECT * FROM unnest({', '.join(casts)}) "
        f"ON CONFLICT ({', '.join(quote(model._meta.get_field(n).column) for n in unique)}) "
        f"DO UPDATE SET "
        + ", ".join(
            f"{quote(model._meta.get_field(n).column)} = EXCLUDED."
            f"{quote(model._meta.get_field(n).column)}"
            for n in fields
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
