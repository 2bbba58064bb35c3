"""Figures in words people read: ¥10 trillion, ₹10,500 crore, $13 billion, 500,000 people.

Plain functions over Decimals; the template filters in templatetags/figures.py wrap them.
"""

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal, get_currency_symbol

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


def currency_symbol(code: str) -> str:
    return SYMBOLS.get(code) or get_currency_symbol(code, locale="en")


def human_amount(value: Decimal | None, unit: str) -> str:
    """An amount in human units: '¥10 trillion', '₹10,500 crore', '500,000 people'."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit in COUNTED_UNIT_WORDS:
        singular, plural = COUNTED_UNIT_WORDS[unit]
        return f"{_plain(value, 0)} {singular if value == 1 else plural}"
    if len(unit) != 3 or not unit.isupper():
        return f"{_plain(value)} {unit}".strip()
    symbol = currency_symbol(unit)
    for size, word in SCALES.get(unit, SCALES["default"]):
        if abs(value) >= size:
            return f"{symbol}{_plain(value / size)} {word}"
    return f"{symbol}{_plain(value)}"


def exact_amount(value: Decimal | None, unit: str) -> str:
    """The exact figure with separators: '¥10,000,000,000,000', '₹10,50,00,00,000'."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit == "INR":  # Indian grouping, as Indian readers write it
        return f"₹{format_decimal(round(value, 2), format='#,##,##0.##', locale='en_IN')}"
    if len(unit) == 3 and unit.isupper():
        return f"{currency_symbol(unit)}{_plain(value)}"
    if unit in COUNTED_UNIT_WORDS:
        return human_amount(value, unit)
    return f"{_plain(value)} {unit}".strip()


def percent(value: Decimal | None, places: int = 0) -> str:
    if value is None:
        return "—"
    return f"{_plain(Decimal(value) * 100, places)}%"


def long_date(value: date | None) -> str:
    """'29 August 2025': unambiguous in Delhi and in Tokyo."""
    return "—" if value is None else f"{value.day} {value:%B %Y}"


def status_sentence(
    status: str, progress: Decimal, expected: Decimal, deadline: date, as_of: date
) -> str:
    """One sentence that explains a commitment's status in plain words."""
    done, due = percent(progress), percent(expected)
    by = long_date(deadline)
    sentences = {
        "achieved": f"Achieved: {done} of the target has been reached.",
        "overdue": f"Overdue: the deadline of {by} has passed with {done} done.",
        "not_started": (
            f"Not started: no published milestone counts yet; by {long_date(as_of)} "
            f"a straight path to {by} would be {due} of the way."
        ),
        "on_track": f"On track: {done} done, against {due} expected by now on a straight "
        f"path to {by}.",
        "at_risk": f"At risk: {done} done, behind the {due} expected by now on a straight "
        f"path to {by}.",
        "off_track": f"Off track: {done} done, less than half of the {due} expected by now.",
    }
    return sentences.get(status, "Progress has not been computed yet.")
