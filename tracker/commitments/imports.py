"""All-or-nothing CSV imports of milestones and exchange rates.

Every row is checked before anything is written; one bad row means nothing is imported,
and every bad row is reported with its line number and reason. The management commands
and the admin import pages both call these functions.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracker.methodology import vocabulary as v
from tracker.methodology.units import BASE_CURRENCY, CURRENCY_CODES, normalize_unit

from .models import Commitment, ExchangeRate, Milestone, Source

MILESTONE_COLUMNS = [
    "commitment",
    "occurred_on",
    "kind",
    "title",
    "amount",
    "unit",
    "stage",
    "status",
    "source_url",
    "source_title",
]
RATE_COLUMNS = ["date", "currency", "units_per_usd"]
# A reaffirmation names its meeting, which a CSV row has no column for.
IMPORTABLE_KINDS = [v.EVIDENCE, v.PLANNED]
MAX_BYTES = 20 * 1024 * 1024


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
    dry_run: bool = False
    commitment_ids: set[int] = field(default_factory=set)


class _DryRunRollback(Exception):
    pass


def _rows(data: bytes | str, columns: list[str]):
    """Yield (line number, row) from CSV text, accepting Excel's UTF-8 byte-order mark."""
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
    missing = [c for c in columns if c not in header]
    if missing:
        raise ImportFailed(
            [RowError(1, f"missing column(s) {', '.join(missing)}; expected {','.join(columns)}")]
        )
    reader.fieldnames = header
    empty = True
    try:
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            empty = False
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
    except csv.Error as error:
        raise ImportFailed([RowError(reader.line_num, f"unreadable CSV: {error}")]) from error
    if empty:
        raise ImportFailed([RowError(0, "the file has no rows")])


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date as YYYY-MM-DD") from None


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


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
            for name, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


def import_milestones(data: bytes | str, *, dry_run: bool = False, user=None) -> ImportResult:
    """Import milestones from CSV (columns MILESTONE_COLUMNS): all rows or none."""
    rows = list(_rows(data, MILESTONE_COLUMNS))
    commitments = Commitment.objects.in_bulk(
        {row["commitment"] for _, row in rows}, field_name="slug"
    )
    statuses = dict(Milestone.Status.choices)
    today = timezone.localdate()
    errors: list[RowError] = []
    planned: list[tuple[Milestone, str, str]] = []
    for line, row in rows:
        try:
            commitment = commitments.get(row["commitment"])
            if commitment is None:
                raise ValueError(f"no commitment with slug {row['commitment']!r}")
            status = row["status"].lower() or Milestone.Status.DRAFT
            if status not in statuses:
                raise ValueError(f"status {row['status']!r} is not one of {', '.join(statuses)}")
            kind = row["kind"].lower() or v.EVIDENCE
            if kind not in IMPORTABLE_KINDS:
                raise ValueError(
                    f"kind {row['kind']!r} is not one of {', '.join(IMPORTABLE_KINDS)} "
                    "(record a reaffirmation, with its meeting, in the admin)"
                )
            milestone = Milestone(
                commitment=commitment,
                occurred_on=_date(row["occurred_on"], "occurred_on"),
                kind=kind,
                title=row["title"],
                amount=_decimal(row["amount"], "amount"),
                unit=normalize_unit(row["unit"]),
                stage=row["stage"].lower(),
                status=status,
                created_by=user,
                updated_by=user,
            )
            milestone.full_clean(exclude=["published_at"])
            if status == v.PUBLISHED and not row["source_url"]:
                raise ValueError("a published milestone needs a source_url")
            if status == v.PUBLISHED and kind != v.PLANNED and milestone.occurred_on > today:
                raise ValueError(
                    f"occurred_on {milestone.occurred_on} is in the future: import it as "
                    "planned, or as a draft"
                )
            if row["source_url"]:
                Source(
                    title=row["source_title"] or row["source_url"],
                    url=row["source_url"],
                    excerpt="-",
                ).full_clean(exclude=["excerpt"])
            planned.append((milestone, row["source_url"], row["source_title"]))
        except ValidationError as error:
            errors.append(RowError(line, _messages(error)))
        except ValueError as error:
            errors.append(RowError(line, str(error)))
    if errors:
        raise ImportFailed(errors)

    result = ImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            sources_by_url = {}
            for milestone, url, title in planned:
                milestone.save()
                result.created += 1
                result.commitment_ids.add(milestone.commitment_id)
                if url:
                    if url not in sources_by_url:
                        sources_by_url[url] = Source.objects.filter(url=url).order_by(
                            "id"
                        ).first() or Source.objects.create(
                            url=url,
                            title=title or url,
                            excerpt=f"Imported with the milestone “{milestone.title}”.",
                        )
                    milestone.sources.add(sources_by_url[url])
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return result


def import_rates(data: bytes | str, *, dry_run: bool = False) -> ImportResult:
    """Import exchange rates from CSV (date,currency,units_per_usd); existing days are updated."""
    errors: list[RowError] = []
    planned: dict[tuple[str, date], tuple[int, Decimal]] = {}
    for line, row in _rows(data, RATE_COLUMNS):
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
            if (currency, on) in planned:
                raise ValueError(
                    f"{currency} on {on} is already on line {planned[(currency, on)][0]}"
                )
            planned[(currency, on)] = (line, value)
        except ValueError as error:
            errors.append(RowError(line, str(error)))
    if errors:
        raise ImportFailed(errors)

    result = ImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            for (currency, on), (_, value) in planned.items():
                _, created = ExchangeRate.objects.update_or_create(
                    currency=currency,
                    date=on,
                    defaults={"units_per_usd": value, "is_reference": False},
                )
                result.created += created
                result.updated += not created
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return result
