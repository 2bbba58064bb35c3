"""Figures and statuses in words people read: ¥10 trillion, ₹10,500 crore, 500,000 people,
and one sentence that says what a status rests on.

Beside the rules, so every surface (pages, feeds, emails) words a figure the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal, get_currency_symbol

from .rules import DEFAULT_THRESHOLDS, Thresholds
from .vocabulary import (
    ACHIEVED,
    ASSUMED,
    AT_RISK,
    IN_PROGRESS,
    NO_EVIDENCE,
    OFF_TRACK,
    ON_TRACK,
    OVERDUE,
    QUANTITATIVE,
    STAGE_LABELS,
    STATED,
)

# Scale words per currency, largest first. Indian figures are read in crore and lakh.
SCALES = {
    "INR": [(Decimal(10) ** 7, "crore"), (Decimal(10) ** 5, "lakh")],
    "default": [
        (Decimal(10) ** 12, "trillion"),
        (Decimal(10) ** 9, "billion"),
        (Decimal(10) ** 6, "million"),
    ],
}
SYMBOLS = {"JPY": "¥", "INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}
COUNTED_UNIT_WORDS = {"persons": ("person", "people")}


def _plain(value: Decimal, places: int = 2) -> str:
    """Group thousands, keep at most `places` decimals, drop trailing zeros."""
    rounded = round(Decimal(value), places)
    text = f"{rounded:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _readable(value: Decimal) -> str:
    """Three significant figures for a scaled amount, never fewer whole digits: 587, 58.7, 5.87."""
    size = abs(value)
    places = 0 if size >= 100 else 1 if size >= 10 else 2
    return _plain(value, places)


def currency_symbol(code: str) -> str:
    return SYMBOLS.get(code) or get_currency_symbol(code, locale="en")


def is_currency_code(unit: str) -> bool:
    return len(unit) == 3 and unit.isupper()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 commitment', '2 commitments', '0 commitments'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def human_amount(value: Decimal | None, unit: str) -> str:
    """An amount in human units: '¥10 trillion', '₹10,500 crore', '¥587 billion'."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit in COUNTED_UNIT_WORDS:
        singular, plural_form = COUNTED_UNIT_WORDS[unit]
        return f"{_plain(value, 0)} {singular if value == 1 else plural_form}"
    if not is_currency_code(unit):
        return f"{_plain(value)} {unit}".strip()
    symbol = currency_symbol(unit)
    for size, word in SCALES.get(unit, SCALES["default"]):
        if abs(value) >= size:
            return f"{symbol}{_readable(value / size)} {word}"
    return f"{symbol}{_plain(value)}"


def exact_amount(value: Decimal | None, unit: str) -> str:
    """The exact figure with separators: '¥10,000,000,000,000', '₹10,50,00,00,000'."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit == "INR":  # Indian grouping, as Indian readers write it
        return f"₹{format_decimal(round(value, 2), format='#,##,##0.##', locale='en_IN')}"
    if is_currency_code(unit):
        return f"{currency_symbol(unit)}{_plain(value)}"
    if unit in COUNTED_UNIT_WORDS:
        return human_amount(value, unit)
    return f"{_plain(value)} {unit}".strip()


def percent(value: Decimal | None, places: int = 0) -> str:
    if value is None:
        return "—"
    return f"{_plain(Decimal(value) * 100, places)}%"


def long_date(value: date | None) -> str:
    """'29 August 2025': unambiguous in Delhi and in Tokyo. The one date format of the site."""
    return "—" if value is None else f"{value.day} {value:%B %Y}"


def deadline_phrase(deadline: date | None, basis: str) -> str:
    """'the stated deadline of 29 August 2030', 'the deadline the tracker assumes, …'."""
    if deadline is None or basis not in (STATED, ASSUMED):
        return "no deadline (the sources give none)"
    if basis == STATED:
        return f"the stated deadline of {long_date(deadline)}"
    return f"the deadline the tracker assumes, {long_date(deadline)}"


@dataclass(frozen=True)
class Standing:
    """What a status sentence rests on: the commitment's terms and its computed figures."""

    status: str
    kind: str
    as_of: date
    deadline: date | None
    deadline_basis: str
    progress: Decimal = Decimal(0)
    expected: Decimal | None = None
    stage: str = ""
    start_date: date | None = None
    target_value: Decimal | None = None
    target_unit: str = ""
    achieved_value: Decimal | None = None


def status_sentence(s: Standing, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """One sentence that says what the computed status is and what it rests on."""
    quantitative = s.kind == QUANTITATIVE
    done = percent(s.progress)
    due = percent(s.expected)
    deadline = deadline_phrase(s.deadline, s.deadline_basis)
    stage = STAGE_LABELS.get(s.stage, "")
    evidenced = (
        f"{human_amount(s.achieved_value, s.target_unit)} ({done} of "
        f"{human_amount(s.target_value, s.target_unit)})"
        if quantitative
        else f"the {stage} stage"
    )
    passed = (
        f" {deadline[0].upper()}{deadline[1:]} has passed."
        if s.deadline_basis == STATED and s.deadline and s.as_of > s.deadline
        else ""
    )
    if s.status == NO_EVIDENCE:
        if not quantitative:
            return (
                "No evidence yet: no published, sourced milestone shows this commitment moving "
                f"past the Announced stage.{passed}"
            )
        path = ""
        if s.expected is not None and not passed:
            path = (
                f" For information, not as a verdict: a straight path from "
                f"{long_date(s.start_date)} to {deadline} would have reached {due} by "
                f"{long_date(s.as_of)}."
            )
        return (
            "No evidence yet: no published, sourced milestone counts towards the target."
            f"{path}{passed}"
        )
    if s.status == ACHIEVED:
        return (
            f"Achieved: {evidenced} evidenced."
            if quantitative
            else "Achieved: the evidence shows it complete."
        )
    if s.status == OVERDUE:
        return f"Overdue: {deadline} has passed with {evidenced} evidenced."
    if s.status in (ON_TRACK, AT_RISK, OFF_TRACK):
        on_track, at_risk = percent(thresholds.on_track), percent(thresholds.at_risk)
        rule = {
            ON_TRACK: f"at least {on_track} of it",
            AT_RISK: f"at least {at_risk} of it but less than {on_track}",
            OFF_TRACK: f"less than {at_risk} of it",
        }[s.status]
        label = {ON_TRACK: "On track", AT_RISK: "At risk", OFF_TRACK: "Off track"}[s.status]
        return (
            f"{label}: {evidenced} evidenced, {rule}: a straight path from "
            f"{long_date(s.start_date)} to {deadline} expects {due} by {long_date(s.as_of)}."
        )
    if s.status == IN_PROGRESS:
        why = (
            "stages are not measured against time"
            if not quantitative
            else "the sources state no deadline for this target"
            if s.deadline_basis != STATED
            else "the path cannot be drawn without a start date"
        )
        return f"In progress: {evidenced} evidenced so far. No verdict on pace: {why}."
    return "Progress has not been computed yet."
