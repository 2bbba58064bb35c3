"""Writing many rollup rows at once.

Django's bulk_create prepares every value of every row in Python and sends one parameter
per value; for the thousand rows of a full recompute that cost more than computing them,
and so did psycopg's quoting of one array per column. On PostgreSQL the rows go instead as
one JSON document, read by the server into the table's own row type
(json_populate_recordset) and written by a single INSERT ... ON CONFLICT DO UPDATE.
Elsewhere, bulk_create.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models


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
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = [field.column for field in fields]
    names = [quote(key) for key in keys]
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"SELECT {', '.join(names)} FROM json_populate_recordset(NULL::{table}, %s) "
        f"ON CONFLICT ({', '.join(names[:unique])}) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in names[unique:])
    )
    # Decimals, dates and times as their text, which PostgreSQL reads back exactly; a JSON
    # field's value stays JSON.
    document = json.dumps([dict(zip(keys, row, strict=True)) for row in rows], default=str)
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
