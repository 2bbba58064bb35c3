"""CSV imports of milestones, commitments and exchange rates, and the rows the exports write.

The exports write exactly the columns these importers read, so a file exported and imported
back changes nothing. Every row is checked before anything is written: one bad row means
nothing is imported, and every bad row is reported with its line number and reason.

A row naming a record on file (a milestone's id, a commitment's slug, a rate's currency and
day) is left alone when its values are equal, and is an edit when they differ. An edit of a
milestone or a commitment needs a change_reason, which the history keeps and, for a
published milestone's figure, readers see as a correction. Rows are saved through the
models, so django-simple-history records each change with its user and reason. Nothing is
ever deleted. The management commands and the admin import pages both call these functions.

Several sources fit in one row: source_url and source_title hold one entry per source, in
the same order, separated by " | " (a "|" inside a title is written "\\|"); the url cell is
empty when none of them has a url. A source is found by its url, or, without one, by its
exact title; a title-only entry must name a source on file.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import groupby
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tracker.methodology import vocabulary as v
from tracker.methodology.amounts import COUNTED_ALIASES, AmountError, parse_amount
from tracker.methodology.units import BASE_CURRENCY, CURRENCY_CODES, normalize_unit

from . import services
from .corrections import public_changes
from .models import Agreement, Commitment, ExchangeRate, Meeting, Milestone, Pillar, Source

MILESTONE_COLUMNS = [
    "id", "commitment", "occurred_on", "kind", "title", "amount", "unit", "stage", "status",
    "source_url", "source_title", "meeting", "withdrawal_reason", "change_reason",
]  # fmt: skip
# Files from before the round trip have none of these; they import as they always did.
MILESTONE_OPTIONAL = {"id", "meeting", "withdrawal_reason", "change_reason"}
COMMITMENT_COLUMNS = [
    "slug", "title", "pillar", "agreement", "meeting", "parent", "kind", "target_value",
    "target_unit", "start_date", "deadline", "deadline_basis", "deadline_words", "weight",
    "promised_by", "source_url", "source_title", "change_reason",
]  # fmt: skip
COMMITMENT_OPTIONAL = {"change_reason"}
RATE_COLUMNS = ["date", "currency", "units_per_usd", "is_reference", "note"]
RATE_OPTIONAL = {"is_reference", "note"}
IMPORT_REASON = "Imported from CSV."  # the history's reason for rows an import creates
MAX_BYTES = 20 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SOURCE_SEPARATOR = " | "
_UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    commitment_ids: set[int] = field(default_factory=set)


class _DryRunRollback(Exception):
    pass


# --- Writing: the rows the exports write ---------------------------------------------------


def spreadsheet_safe(value):
    """Keep a text cell from being read as a formula by spreadsheet programs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def write_csv(file, header: list[str], rows) -> None:
    writer = csv.writer(file)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)


def plain_number(value: Decimal | None) -> str:
    """An exact number with no exponent and no trailing zeros: 10000000000000, 151.25."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def source_cells(sources) -> tuple[str, str]:
    """The source_url and source_title cells for several sources, entry by entry."""
    sources = list(sources)
    urls = [s.url.replace("|", r"\|") for s in sources]
    titles = [s.title.replace("|", r"\|") for s in sources]
    return (SOURCE_SEPARATOR.join(urls) if any(urls) else ""), SOURCE_SEPARATOR.join(titles)


# What the files' rows are read from: plain values, one row per (record, source it cites),
# so an export of any size reads a chunk at a time and builds no model instances.
SOURCE_VALUES = ("sources__id", "sources__url", "sources__title")
MILESTONE_VALUES = (
    "id", "commitment__slug", "occurred_on", "kind", "title", "amount", "unit", "stage",
    "status", "meeting__slug", "withdrawal_reason",
)  # fmt: skip
COMMITMENT_VALUES = (
    "id", "slug", "title", "pillar__slug", "agreement__slug", "meeting__slug", "parent__slug",
    "kind", "target_value", "target_unit", "start_date", "deadline", "deadline_basis",
    "deadline_words", "weight", "promised_by",
)  # fmt: skip
Cited = namedtuple("Cited", "url title")


def milestone_values(milestones: QuerySet, *extra: str) -> QuerySet:
    """Milestones oldest first as named rows of MILESTONE_VALUES (and `extra`) and
    SOURCE_VALUES, for by_record()."""
    return milestones.order_by("occurred_on", "id", "sources__title", "sources__id").values_list(
        *MILESTONE_VALUES, *extra, *SOURCE_VALUES, named=True
    )


def by_record(values):
    """Group joined rows into (first row, the sources it cites), one group per record."""
    for _, rows in groupby(values, key=attrgetter("id")):
        rows = list(rows)
        cited = [Cited(r.sources__url, r.sources__title) for r in rows if r.sources__id is not None]
        yield rows[0], cited


def milestone_rows(values) -> Iterator[list]:
    """MILESTONE_COLUMNS from the rows of milestone_values()."""
    for m, sources in by_record(values):
        yield [
            m.id,
            m.commitment__slug,
            m.occurred_on,
            m.kind,
            m.title,
            plain_number(m.amount),
            m.unit,
            m.stage,
            m.status,
            *source_cells(sources),
            m.meeting__slug or "",
            m.withdrawal_reason,
            "",
        ]


def commitment_cells(c, sources) -> list:
    """A commitment in COMMITMENT_COLUMNS, from a row of COMMITMENT_VALUES and the sources
    it cites."""
    return [
        c.slug,
        c.title,
        c.pillar__slug,
        c.agreement__slug or "",
        c.meeting__slug or "",
        c.parent__slug or "",
        c.kind,
        plain_number(c.target_value),
        c.target_unit,
        c.start_date,
        c.deadline,
        c.deadline_basis,
        c.deadline_words,
        c.weight,
        c.promised_by,
        *source_cells(sources),
        "",
    ]


def rate_cells(rate: ExchangeRate) -> list:
    return [
        rate.date,
        rate.currency,
        plain_number(rate.units_per_usd),
        "true" if rate.is_reference else "false",
        rate.note,
    ]


# --- Reading ---------------------------------------------------------------------------------


def _rows(data: bytes | str, columns: list[str], optional=frozenset()):
    """Yield (line number, row) from CSV text, accepting Excel's UTF-8 byte-order mark.

    A row holds the columns the file has; optional columns may be missing, and columns
    the importer does not read are ignored.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ImportFailed([RowError(0, f"the file is larger than {MAX_BYTES // 2**20} MB")])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise ImportFailed([RowError(line, "the file is not UTF-8 text")]) from error
    data = data.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(data, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    required = [c for c in columns if c not in optional]
    missing = [c for c in required if c not in header]
    if missing:
        also = [c for c in columns if c in optional]
        raise ImportFailed(
            [
                RowError(
                    1,
                    f"missing column(s) {', '.join(missing)}; expected {','.join(required)}"
                    + (f" (and optionally {','.join(also)})" if also else ""),
                )
            ]
        )
    reader.fieldnames = header
    wanted = set(columns)
    empty = True
    try:
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            empty = False
            yield (
                reader.line_num,
                {k: _unescaped((value or "").strip()) for k, value in row.items() if k in wanted},
            )
    except csv.Error as error:
        raise ImportFailed([RowError(reader.line_num, f"unreadable CSV: {error}")]) from error
    if empty:
        raise ImportFailed([RowError(0, "the file has no rows")])


def _unescaped(cell: str) -> str:
    """A cell as it was before spreadsheet_safe, so an exported title reads back unchanged."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date as YYYY-MM-DD") from None


def _optional_date(text: str, name: str) -> date | None:
    return _date(text, name) if text else None


def _decimal(text: str, name: str) -> Decimal | None:
    if text == "":
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{name} {text!r} is not a number")
    return value


def _amount(text: str, unit_text: str, name: str, unit_name: str) -> tuple[Decimal | None, str]:
    """A figure as people write it ('₹5,000 crore', '1,000', '$1.2bn') and its unit, named in
    the figure, in the unit column, or in both alike."""
    unit = normalize_unit(unit_text)
    if not text:
        return None, unit
    try:
        parsed = parse_amount(text)
    except AmountError as error:
        raise ValueError(f"{name}: {error}") from None
    if parsed.unit and unit and parsed.unit != COUNTED_ALIASES.get(unit, unit):
        raise ValueError(
            f"{name} {text!r} is in {parsed.unit} but {unit_name} says {unit}: "
            f"make them agree, or leave {unit_name} empty"
        )
    return parsed.value, parsed.unit or unit


def _choice(text: str, name: str, choices, default: str = "") -> str:
    value = text.lower() or default
    if value not in choices:
        raise ValueError(f"{name} {text!r} is not one of {', '.join(choices)}")
    return value


def _by_slug(found: dict, slug: str, what: str):
    if not slug:
        return None
    if slug not in found:
        raise ValueError(f"no {what} with slug {slug!r}")
    return found[slug]


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
            for name, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


# --- Sources ---------------------------------------------------------------------------------


def _source_refs(row: dict) -> list[tuple[str, str]]:
    """The (url, title) of each source a row names."""

    def entries(cell):
        return [p.strip().replace(r"\|", "|") for p in _UNESCAPED_BAR.split(cell)] if cell else []

    urls, titles = entries(row["source_url"]), entries(row["source_title"])
    urls = urls or [""] * len(titles)
    titles = titles or [""] * len(urls)
    if len(urls) != len(titles):
        raise ValueError(
            f"source_url names {len(urls)} source(s) and source_title {len(titles)}: give one "
            f"title per url, in the same order, separated by '{SOURCE_SEPARATOR.strip()}'"
        )
    for url, title in zip(urls, titles, strict=True):
        if not (url or title):
            raise ValueError("source_url and source_title have an empty entry")
        try:
            Source(title=title or url[:300], url=url, excerpt="-").full_clean()
        except ValidationError as error:
            raise ValueError(
                "; ".join(
                    f"source_{name}: {' '.join(messages)}"
                    for name, messages in error.message_dict.items()
                )
            ) from None
    return list(zip(urls, titles, strict=True))


def _source_key(url: str, title: str) -> tuple[str, str]:
    url, title = url.strip(), title.strip()
    return ("url", url) if url else ("title", title)


def _same_sources(instance, refs) -> bool:
    cited = Counter(_source_key(s.url, s.title) for s in instance.sources.all())
    return cited == Counter(_source_key(url, title) for url, title in refs)


class _Sources:
    """Finds the sources that rows name, creating those named by a url not on file."""

    def __init__(self, user):
        self.user = user
        self.found: dict[tuple[str, str], Source | None] = {}

    def check(self, refs) -> None:
        for url, title in refs:
            if not url and self.titled(title) is None:
                raise ValueError(
                    f"no source without a url is titled {title!r}: give its source_url, "
                    "or cite it in the admin"
                )

    def titled(self, title: str) -> Source | None:
        key = _source_key("", title)
        if key not in self.found:
            self.found[key] = Source.objects.filter(url="", title=title).order_by("id").first()
        return self.found[key]

    def get(self, url: str, title: str) -> Source:
        if not url:
            return self.titled(title)
        key = _source_key(url, title)
        if self.found.get(key) is None:
            source = Source.objects.filter(url=url).order_by("id").first()
            if source is None:
                # The article only: nobody has quoted its sentence yet, and the pages say so
                # rather than showing a made-up quote.
                source = Source(url=url, title=title or url[:300])
                _stamp(source, self.user, IMPORT_REASON)
                source.save()
            self.found[key] = source
        return self.found[key]


# --- Edits -----------------------------------------------------------------------------------


def _changes(instance, values: dict) -> list[str]:
    """The names of the fields whose values differ from the instance's."""
    changed = []
    for name, new in values.items():
        model_field = instance._meta.get_field(name)
        old = getattr(instance, model_field.attname)
        if model_field.is_relation:
            new = new.pk if new is not None else None
        elif isinstance(old, str):
            old, new = old.strip(), (new or "").strip()
        if old != new:
            changed.append(name)
    return changed


def _reason(row: dict, model, edit: str = "") -> str:
    """The history's reason for a row: its change_reason, which an edit (naming what it
    changes) must give, or IMPORT_REASON for a new row."""
    reason = row.get("change_reason", "")
    if edit and not reason:
        raise ValueError(f"this row changes {edit}: say why in a change_reason column")
    limit = model.history.model._meta.get_field("history_change_reason").max_length
    if limit and len(reason) > limit:
        raise ValueError(f"change_reason is longer than {limit} characters")
    return reason or IMPORT_REASON


def _stamp(instance, user, reason: str) -> None:
    """Who made the change and why, as django-simple-history records them."""
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason


@dataclass
class _Planned:
    line: int
    instance: object
    refs: list[tuple[str, str]]
    reason: str
    fields_changed: bool = True
    sources_changed: bool = True


def _plan(line, row, model, existing, values, refs, what, **new_fields) -> _Planned | None:
    """A new `model` row (with `new_fields` too), or an edit of `existing` that needs a
    change_reason; None when the row equals what is on file, so an export imports back as
    no change."""
    if existing is None:
        return _Planned(line, model(**values, **new_fields), refs, _reason(row, model))
    changed = _changes(existing, values)
    same_sources = _same_sources(existing, refs)
    if not changed and same_sources:
        return None
    edit = ", ".join(changed + ["sources"] * (not same_sources))
    reason = _reason(row, model, f"{what} ({edit})")
    for name, value in values.items():
        setattr(existing, name, value)
    return _Planned(line, existing, refs, reason, bool(changed), not same_sources)


def _write(planned: list[_Planned], result: ImportResult, user, noun: str) -> None:
    """Save every planned row in one transaction (rolled back for a dry run)."""
    sources = _Sources(user)
    try:
        with transaction.atomic():
            for plan in planned:
                instance, new = plan.instance, plan.instance.pk is None
                try:
                    if plan.fields_changed:
                        _stamp(instance, user, plan.reason)
                        instance.save()
                    if plan.sources_changed:
                        cited = [sources.get(url, title) for url, title in plan.refs]
                        _stamp(instance, user, plan.reason)
                        instance.sources.set(cited)
                        instance._change_reason = ""
                except ValidationError as error:
                    raise ImportFailed([RowError(plan.line, _messages(error))]) from error
                result.created += new
                result.updated += not new
                result.commitment_ids.add(
                    instance.pk if isinstance(instance, Commitment) else instance.commitment_id
                )
            if result.dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass


# --- Milestones ------------------------------------------------------------------------------


def import_milestones(
    data: bytes | str, *, dry_run: bool = False, user=None, editorial_roles: bool = False
) -> ImportResult:
    """Import milestones from CSV (MILESTONE_COLUMNS): rows without an id are new, rows with
    one edit that milestone; all rows or none.

    The command is an operator's and trusted; from the admin (`editorial_roles`), the user
    may move a milestone between draft, published and withdrawn only as the admin's own
    forms allow (services.status_errors): an editor imports drafts."""
    rows = list(_rows(data, MILESTONE_COLUMNS, MILESTONE_OPTIONAL))
    commitments = Commitment.objects.in_bulk(
        {row["commitment"] for _, row in rows}, field_name="slug"
    )
    meetings = Meeting.objects.in_bulk(
        {row.get("meeting", "") for _, row in rows} - {""}, field_name="slug"
    )
    on_file = Milestone.objects.prefetch_related("sources").in_bulk(
        {int(row["id"]) for _, row in rows if row.get("id", "").isdigit()}
    )
    sources = _Sources(user)
    today = timezone.localdate()
    result = ImportResult(dry_run=dry_run)
    errors: list[RowError] = []
    planned: list[_Planned] = []
    lines_by_id: dict[int, int] = {}
    for line, row in rows:
        try:
            existing = None
            if row.get("id"):
                if not row["id"].isdigit():
                    raise ValueError(f"id {row['id']!r} is not a milestone id (a whole number)")
                pk = int(row["id"])
                if pk in lines_by_id:
                    raise ValueError(f"id {pk} is already on line {lines_by_id[pk]}")
                lines_by_id[pk] = line
                existing = on_file.get(pk)
                if existing is None:
                    raise ValueError(f"no milestone with id {pk}")
            commitment = _by_slug(commitments, row["commitment"], "commitment")
            if commitment is None:
                raise ValueError("commitment is empty: give the commitment's slug")
            kind = _choice(row["kind"], "kind", v.MILESTONE_KINDS, v.EVIDENCE)
            amount, unit = _amount(row["amount"], row["unit"], "amount", "unit")
            values = {
                "commitment": commitment,
                "occurred_on": _date(row["occurred_on"], "occurred_on"),
                "kind": kind,
                "title": row["title"],
                "amount": amount,
                "unit": unit,
                "stage": row["stage"].lower(),
                "status": _choice(row["status"], "status", Milestone.Status.values, v.DRAFT),
            }
            if "meeting" in row:
                values["meeting"] = _by_slug(meetings, row["meeting"], "meeting")
            if "withdrawal_reason" in row:
                values["withdrawal_reason"] = row["withdrawal_reason"]
            refs = _source_refs(row)

            if existing is None and values["status"] == v.WITHDRAWN:
                raise ValueError("a new milestone cannot be withdrawn; import it as a draft")
            if editorial_roles:
                refused = services.status_errors(
                    user,
                    before=existing.status if existing else None,
                    after=values["status"],
                    own_work=existing is None or services.is_own_work(user, existing),
                )
                if refused:
                    raise ValueError(f"status: {refused['status']}")
            what = f"milestone {existing.pk}" if existing else ""
            plan = _plan(line, row, Milestone, existing, values, refs, what, created_by=user)
            if plan is None:
                result.unchanged += 1
                continue
            milestone = plan.instance
            milestone.updated_by = user

            milestone.full_clean(exclude=["published_at"])
            if milestone.status == v.PUBLISHED and not refs:
                raise ValueError(
                    "a published milestone needs a source_url (or the source_title of a "
                    "source on file that has no url)"
                )
            published = milestone.status == v.PUBLISHED
            if published and kind != v.PLANNED and milestone.occurred_on > today:
                raise ValueError(
                    f"occurred_on {milestone.occurred_on} is in the future: import it as "
                    "planned, or as a draft"
                )
            sources.check(refs)
            if existing is not None:
                # What the model would refuse on save (unpublishing, say), reported by line.
                milestone._change_reason = plan.reason
                public_changes(milestone)
            planned.append(plan)
        except ValidationError as error:
            errors.append(RowError(line, _messages(error)))
        except ValueError as error:
            errors.append(RowError(line, str(error)))
    if errors:
        raise ImportFailed(errors)
    _write(planned, result, user, "milestone")
    return result


# --- Commitments -----------------------------------------------------------------------------


def import_commitments(data: bytes | str, *, dry_run: bool = False, user=None) -> ImportResult:
    """Import commitments from CSV (COMMITMENT_COLUMNS; others, such as the computed ones in
    /export/commitments.csv, are ignored): a slug on file is edited, a new slug is added."""
    rows = list(_rows(data, COMMITMENT_COLUMNS, COMMITMENT_OPTIONAL))
    named = {row[name] for _, row in rows for name in ("slug", "parent")} - {""}
    on_file = Commitment.objects.prefetch_related("sources").in_bulk(named, field_name="slug")
    pillars = Pillar.objects.in_bulk({row["pillar"] for _, row in rows}, field_name="slug")
    agreements = Agreement.objects.in_bulk({row["agreement"] for _, row in rows}, field_name="slug")
    meetings = Meeting.objects.in_bulk({row["meeting"] for _, row in rows}, field_name="slug")
    later_slugs = {row["slug"] for _, row in rows}
    sources = _Sources(user)
    result = ImportResult(dry_run=dry_run)
    errors: list[RowError] = []
    planned: list[_Planned] = []
    in_file: dict[str, tuple[int, Commitment]] = {}  # slug -> (line, commitment) so far
    for line, row in rows:
        slug = row["slug"]
        try:
            if not slug:
                raise ValueError("slug is empty")
            if slug in in_file:
                raise ValueError(f"slug {slug!r} is already on line {in_file[slug][0]}")
            existing = on_file.get(slug)
            in_file[slug] = (line, existing)  # a parent for the rows below
            parent = None
            if row["parent"] == slug:
                raise ValueError("a commitment cannot be part of itself")
            if row["parent"] in in_file:
                parent = in_file[row["parent"]][1]
            elif row["parent"] in on_file:
                parent = on_file[row["parent"]]
            elif row["parent"] in later_slugs:
                raise ValueError(f"parent {row['parent']!r} is on a later line: put it above")
            elif row["parent"]:
                raise ValueError(f"no commitment with slug {row['parent']!r}")
            target_value, target_unit = _amount(
                row["target_value"], row["target_unit"], "target_value", "target_unit"
            )
            weight = row["weight"] or "1"
            if not weight.isdigit():
                raise ValueError(f"weight {row['weight']!r} is not a whole number")
            values = {
                "title": row["title"],
                "pillar": _by_slug(pillars, row["pillar"], "pillar"),
                "agreement": _by_slug(agreements, row["agreement"], "agreement"),
                "meeting": _by_slug(meetings, row["meeting"], "meeting"),
                "parent": parent,
                "kind": _choice(row["kind"], "kind", v.KINDS),
                "target_value": target_value,
                "target_unit": target_unit,
                "start_date": _optional_date(row["start_date"], "start_date"),
                "deadline": _optional_date(row["deadline"], "deadline"),
                "deadline_basis": _choice(
                    row["deadline_basis"], "deadline_basis", v.DEADLINE_BASES, v.ASSUMED
                ),
                "deadline_words": row["deadline_words"],
                "weight": int(weight),
                "promised_by": _choice(
                    row["promised_by"], "promised_by", Commitment.Side.values, Commitment.Side.JOINT
                ),
            }
            refs = _source_refs(row)

            what = f"the commitment {slug!r}"
            plan = _plan(line, row, Commitment, existing, values, refs, what, slug=slug)
            if plan is None:
                result.unchanged += 1
                continue
            commitment = plan.instance
            in_file[slug] = (line, commitment)
            commitment.full_clean()
            if not refs:
                raise ValueError(
                    "a commitment needs a source: a source_url, or the source_title of a "
                    "source on file that has no url"
                )
            sources.check(refs)
            planned.append(plan)
        except ValidationError as error:
            errors.append(RowError(line, _messages(error)))
        except ValueError as error:
            errors.append(RowError(line, str(error)))
    if errors:
        raise ImportFailed(errors)
    _write(planned, result, user, "commitment")
    return result


# --- Exchange rates --------------------------------------------------------------------------


def _flag(text: str, name: str) -> bool:
    value = text.lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0", ""):
        return False
    raise ValueError(f"{name} {text!r} is not true or false")


def import_rates(data: bytes | str, *, dry_run: bool = False, user=None) -> ImportResult:
    """Import exchange rates from CSV (RATE_COLUMNS): a row for a day on file updates it.

    Without an is_reference column a rate is an official fix (not a reference rate);
    without a note column the note on file is kept.
    """
    rows = list(_rows(data, RATE_COLUMNS, RATE_OPTIONAL))
    on_file = {
        (rate.currency, rate.date): rate
        for rate in ExchangeRate.objects.filter(
            currency__in={row["currency"].upper() for _, row in rows}
        )
    }
    result = ImportResult(dry_run=dry_run)
    errors: list[RowError] = []
    planned: list[tuple[int, ExchangeRate]] = []
    lines: dict[tuple[str, date], int] = {}
    note_length = ExchangeRate._meta.get_field("note").max_length
    for line, row in rows:
        try:
            on = _date(row["date"], "date")
            currency = row["currency"].upper()
            if currency == BASE_CURRENCY:
                raise ValueError("USD is the base currency and needs no rate")
            if currency not in CURRENCY_CODES:
                raise ValueError(f"currency {row['currency']!r} is not an ISO 4217 code")
            value = _decimal(row["units_per_usd"], "units_per_usd")
            if value is None or value <= 0:
                raise ValueError("units_per_usd must be a positive number")
            if value >= Decimal("1e14") or value != round(value, 6):
                raise ValueError("units_per_usd has too many digits (at most 6 decimals)")
            if (currency, on) in lines:
                raise ValueError(f"{currency} on {on} is already on line {lines[(currency, on)]}")
            lines[(currency, on)] = line
            values = {
                "units_per_usd": value,
                "is_reference": _flag(row.get("is_reference", ""), "is_reference"),
            }
            if "note" in row:
                if len(row["note"]) > note_length:
                    raise ValueError(f"note is longer than {note_length} characters")
                values["note"] = row["note"]
            rate = on_file.get((currency, on))
            if rate is None:
                planned.append((line, ExchangeRate(currency=currency, date=on, **values)))
            elif _changes(rate, values):
                for name, new in values.items():
                    setattr(rate, name, new)
                planned.append((line, rate))
            else:
                result.unchanged += 1
        except ValueError as error:
            errors.append(RowError(line, str(error)))
    if errors:
        raise ImportFailed(errors)

    try:
        with transaction.atomic():
            for _, rate in planned:
                new = rate.pk is None
                _stamp(rate, user, IMPORT_REASON)
                rate.save()
                result.created += new
                result.updated += not new
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return result
