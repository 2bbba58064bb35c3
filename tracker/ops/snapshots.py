"""Whole-database snapshots, for backups and for moving the tracker: every row of every model
it keeps, as gzipped JSON lines, loaded back exactly into a database at the same migrations.

The first line is a header (format, version, when, the migrations applied per app, the rows
per model); each further line is one row, {"model": "app.model", "fields": {column: value}}.
Primary keys are kept, so rows keep pointing at each other. Content types and permissions
are not copied (migrate makes them, with ids of its own): rows name them by natural key.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import django
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

from tracker.progress.engine import rollups_changed

FORMAT = "india-japan-tracker-snapshot"
VERSION = 1

# Rows a database makes for itself: content types and permissions come from migrate, with
# ids of their own; sessions and the admin's log belong to the running site. An import with
# --replace empties the last two as well (they point at the users it replaces).
NOT_COPIED = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}
CLEARED_ON_IMPORT = {"sessions.session", "admin.logentry"}
# What data migrations put in a new database: an import replaces it without --replace.
MADE_BY_MIGRATIONS = {"auth.group", "auth.group_permissions"}


class SnapshotError(Exception):
    """A snapshot that cannot be written or loaded here; the message says why."""


def copied_models() -> list:
    """Every table the snapshot holds, many-to-many link tables included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in NOT_COPIED
        and model._meta.managed
        and not model._meta.proxy
    ]


def migration_state(using: str = "default") -> dict[str, list[str]]:
    """The migrations applied to the database, by app."""
    state = defaultdict(list)
    for app_label, name in MigrationRecorder(connections[using]).applied_migrations():
        state[app_label].append(name)
    return {app_label: sorted(names) for app_label, names in sorted(state.items())}


def require_migrated(using: str) -> None:
    """Refuse a database whose tables are behind this code's models."""
    executor = MigrationExecutor(connections[using])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        raise SnapshotError(
            f"This database is not migrated ({len(pending)} migrations to apply, e.g. {names}): "
            "run manage.py migrate first."
        )


# --- Export ------------------------------------------------------------------------------


def export(path: str | Path, using: str = "default") -> dict[str, int]:
    """Write every row to `path` (gzipped JSON lines); return the rows written per model.

    Read in one transaction, so the file is one consistent moment even while the site and
    the workers keep writing. The file appears only once complete.
    """
    require_migrated(using)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    connection = connections[using]
    models = copied_models()
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql" and outermost:
                # Every query below sees the database as of the first one.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counts = {
                model._meta.label_lower: model._base_manager.using(using).count()
                for model in models
            }
            header = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "django": django.get_version(),
                "database": connection.vendor,
                "migrations": migration_state(using),
                "rows": counts,
            }
            with gzip.open(partial, "wt", encoding="utf-8") as out:
                out.write(json.dumps(header) + "\n")
                for model in models:
                    for row in _rows(model, using):
                        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    return counts


def _rows(model, using: str):
    label = model._meta.label_lower
    fields = _columns(model)
    natural = {field.attname: _natural_key_of(field, using) for field in fields}
    values = (
        model._base_manager.using(using)
        .order_by("pk")
        .values_list(*[field.attname for field in fields])
    )
    for row in values.iterator(chunk_size=2000):
        yield {
            "model": label,
            "fields": {
                field.attname: (
                    natural[field.attname](value)
                    if natural[field.attname] and value is not None
                    else _encode(value)
                )
                for field, value in zip(fields, row, strict=True)
            },
        }


def _columns(model) -> list:
    # A generated column is computed by the database, never written.
    return [field for field in model._meta.concrete_fields if not field.generated]


def _natural_key_of(field, using: str):
    """For a reference to a row the snapshot leaves out: a function from its id to its
    natural key. None for every other field."""
    target = field.related_model if field.is_relation else None
    if target is None or target._meta.label_lower not in NOT_COPIED:
        return None
    if not hasattr(target, "natural_key"):
        raise SnapshotError(f"{field} refers to {target._meta.label}, which has no natural key.")
    keys = {}

    def natural_key(pk):
        if pk not in keys:
            keys[pk] = list(target._base_manager.using(using).get(pk=pk).natural_key())
        return keys[pk]

    return natural_key


def _encode(value):
    """A column's value as JSON, exactly: datetimes keep their microseconds, decimals their
    digits (DjangoJSONEncoder would round both)."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise SnapshotError(f"Cannot write a value of type {type(value).__name__}.")


# --- Import ------------------------------------------------------------------------------


def read_header(path: str | Path) -> dict:
    """The snapshot's header, checked to be one this code can load."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            header = json.loads(lines.readline())
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such file.") from None
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SnapshotError(
            f"{path} is not a tracker snapshot (a gzipped file from export_snapshot): {error}"
        ) from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotError(f"{path} is not a tracker snapshot (its first line is no header).")
    if header.get("version") != VERSION:
        raise SnapshotError(
            f"{path} is a snapshot in format version {header.get('version')}; this release "
            f"reads version {VERSION}."
        )
    return header


def migration_differences(snapshot: dict, database: dict) -> list[str]:
    """One line per app whose applied migrations differ between the snapshot and here."""
    lines = []
    for app_label in sorted(set(snapshot) | set(database)):
        theirs, ours = set(snapshot.get(app_label, [])), set(database.get(app_label, []))
        if theirs == ours:
            continue
        parts = []
        if theirs - ours:
            parts.append(f"only in the snapshot: {', '.join(sorted(theirs - ours))}")
        if ours - theirs:
            parts.append(f"only in this database: {', '.join(sorted(ours - theirs))}")
        lines.append(f"{app_label}: {'; '.join(parts)}")
    return lines


def rows_in_the_way(using: str = "default") -> dict[str, int]:
    """Rows that an import would replace, beyond those a freshly migrated database holds."""
    found = {}
    for model in copied_models():
        label = model._meta.label_lower
        if label not in MADE_BY_MIGRATIONS:
            count = model._base_manager.using(using).count()
            if count:
                found[label] = count
    return found


def load(path: str | Path, replace: bool = False, using: str = "default") -> dict[str, int]:
    """Load a snapshot in place of everything the database holds, in one transaction: on
    any error nothing changes. Returns the rows loaded per model."""
    header = read_header(path)
    require_migrated(using)
    differences = migration_differences(header.get("migrations", {}), migration_state(using))
    if differences:
        raise SnapshotError(
            "The snapshot was taken at other migrations than this database has:\n  "
            + "\n  ".join(differences)
            + "\nLoad it with the release that wrote it, or migrate this database to the "
            "snapshot's migrations first (manage.py migrate APP MIGRATION)."
        )
    models = {model._meta.label_lower: model for model in copied_models()}
    unknown = sorted(set(header.get("rows", {})) - set(models))
    if unknown:
        raise SnapshotError(f"The snapshot holds tables this release does not: {unknown}.")

    with transaction.atomic(using=using):
        if not replace:
            in_the_way = rows_in_the_way(using)
            if in_the_way:
                listed = ", ".join(f"{label}: {n}" for label, n in sorted(in_the_way.items())[:3])
                raise SnapshotError(
                    f"This database already holds data ({sum(in_the_way.values())} rows in "
                    f"{len(in_the_way)} tables, e.g. {listed}). Use --replace to delete it all "
                    "and load the snapshot in its place."
                )
        _empty_tables(list(models.values()), using)
        loaded = _insert_rows(path, models, using)
        promised = {label: n for label, n in header.get("rows", {}).items() if n}
        if loaded != promised:
            raise SnapshotError(
                f"{path} is incomplete: its header promises {sum(promised.values())} rows, "
                f"the file holds {sum(loaded.values())}."
            )
        connection = connections[using]
        try:
            connection.check_constraints(table_names=[m._meta.db_table for m in models.values()])
        except DatabaseError as error:
            raise SnapshotError(f"The snapshot's rows do not fit together: {error}") from error
        # New rows must get ids after the loaded ones (PostgreSQL's sequences do not move
        # when a row is inserted with its id; SQLite needs nothing).
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models.values()):
                cursor.execute(statement)
        # Cached public pages show the data that was replaced.
        transaction.on_commit(lambda: rollups_changed.send(sender=load), using=using)
    return loaded


def _empty_tables(models, using: str) -> None:
    """Delete every row the snapshot replaces, without signals (no recompute, no history)."""
    connection = connections[using]
    tables = [model._meta.db_table for model in models]
    tables += [
        apps.get_model(label)._meta.db_table
        for label in sorted(CLEARED_ON_IMPORT)
        if _has_model(label)
    ]
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit (Django makes them deferrable), so the order
        # does not matter; DELETE rather than TRUNCATE so this works in any transaction.
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def _has_model(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _insert_rows(path, models: dict, using: str) -> dict[str, int]:
    """Insert each row as loaddata does: a raw save, which our signal handlers and
    django-simple-history skip, and auto_now fields leave as they are."""
    try:
        return _insert_each_row(path, models, using)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise SnapshotError(f"{path} is cut off or damaged: {error}") from error


def _insert_each_row(path, models: dict, using: str) -> dict[str, int]:
    loaded = Counter()
    resolvers = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        next(lines)  # the header
        for number, line in enumerate(lines, start=2):
            try:
                row = json.loads(line)
                label = row["model"]
                model = models[label]
                if label not in resolvers:
                    resolvers[label] = _field_readers(model, using)
                readers = resolvers[label]
                if set(row["fields"]) != set(readers):
                    raise SnapshotError(
                        f"its columns {sorted(row['fields'])} are not those of {label} here "
                        f"{sorted(readers)}"
                    )
                obj = model(**{name: readers[name](value) for name, value in row["fields"].items()})
                obj.save_base(raw=True, force_insert=True, using=using)
            except (KeyError, TypeError, ValueError, ValidationError, SnapshotError) as error:
                raise SnapshotError(
                    f"{path}, line {number}: cannot read this row: {error}"
                ) from error
            except DatabaseError as error:
                raise SnapshotError(
                    f"{path}, line {number}: the database refused it: {error}"
                ) from error
            loaded[label] += 1
    return dict(loaded)


def _field_readers(model, using: str) -> dict:
    """For each column of the model, a function from its snapshot value to the value to save."""
    readers = {}
    for field in _columns(model):
        target = field.related_model if field.is_relation else None
        if target is not None and target._meta.label_lower in NOT_COPIED:
            readers[field.attname] = _natural_key_reader(target, using)
        else:
            readers[field.attname] = _plain_reader(field)
    return readers


def _plain_reader(field):
    def read(value):
        return None if value is None else field.to_python(value)

    return read


def _natural_key_reader(target, using: str):
    ids = {}

    def read(key):
        if key is None:
            return None
        key = tuple(key)
        if key not in ids:
            try:
                ids[key] = target._default_manager.db_manager(using).get_by_natural_key(*key).pk
            except target.DoesNotExist:
                raise SnapshotError(
                    f"it refers to {target._meta.verbose_name} {list(key)}, which this database "
                    "does not have"
                ) from None
        return ids[key]

    return read
