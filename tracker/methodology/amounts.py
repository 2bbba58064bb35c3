"""Amounts as people write them, read into a value and a unit: the one parser for every form.

    parse_amount("¥500 billion")  ->  ParsedAmount(Decimal("500000000000"), "JPY")
    describe(parsed)              ->  "¥500 billion (¥500,000,000,000)"

Accepted (case and spacing don't matter; a trailing period is dropped; full-width forms such
as １０兆円 read as their plain forms):

- Plain numbers: 500000000000, 1234.5, .5, " 42 ".
- Grouped numbers, Western (1,000,000) or Indian (12,34,567; ₹1,05,00,00,00,000).
- A currency by symbol (¥ ₹ $ € £, from wording.SYMBOLS), by ISO 4217 code (JPY INR USD EUR GBP
  in any case; any other code in capitals, so that "5 cup" stays a counted unit) or by word
  (yen, 円, Rs, Rs., rupee(s), US$, dollar(s), euro(s)), before or after the figure:
  ¥500 billion, JPY 60 billion, 60 billion JPY, US$13 billion, Rs. 10,500 crore, €3m.
  The same currency named twice is fine (¥5 crore yen).
- Scale words straight after the number: thousand/k, lakh/lakhs/lac/lacs, crore/crores/cr,
  million/mn/m, billion/bn/b, trillion/tn, 万 (10^4), 億 (10^8), 兆 (10^12): $1.2bn, 1,000億円.
  Scale words in rising order multiply, as Indian figures are written: ₹1 lakh crore = 10^12.
- One counted unit after the figure: 3,000 workers, 500,000 people, 20,000 persons, 5万人 are
  all "persons"; any other word is the unit, lower-cased: 5 tonnes -> "tonnes".
- No unit named: the unit is default_unit (normalised), else "".

Refused with AmountError, whose message quotes the text and shows a form that is accepted:

- empty text; no number (abc, NaN, inf); a scale word without a number (billion);
- a minus sign (-5); more than one number (5 billion 3 million); two decimal points (1.2.3);
  grouping that is neither Western nor Indian (1,2,3);
- two different currencies ($5 crore ¥), or a currency and a counted unit ($5 workers);
- a word before the number that is not a currency (about 5 crore), more than one unit word,
  scale words away from the number or not rising (5 yen billion, 5 million thousand);
- more than 4 decimal places after scaling (the database keeps 4), or more than 20 whole
  digits (it keeps 24 digits in all);
- a unit that can never count in default_unit (units.units_add_up): "3,000 workers" for a JPY
  default, "¥5 billion" for a "persons" default. A different currency is not a conflict:
  "₹5,000 crore" with a JPY default is read as INR, and converted where it is counted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import pairwise

from .units import CURRENCY_CODES, normalize_unit, units_add_up
from .wording import COUNTED_UNIT_WORDS, SCALES, SYMBOLS, exact_amount, human_amount

PLACES = 4  # decimal places the database keeps
WHOLE_DIGITS = 20  # max_digits=24 less those places

# Ways to name a currency beyond wording.SYMBOLS and ISO codes. ¥ is read as yen, $ as US
# dollars and Rs as Indian rupees: the currencies of this tracker.
CURRENCY_WORDS = {
    "us$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "円": "JPY",
    "rs": "INR",
    "rupee": "INR",
    "rupees": "INR",
}
# Scale words as powers of ten: wording.SCALES's words, plus the ones it never writes.
SCALE_EXPONENTS = {word: size.adjusted() for scales in SCALES.values() for size, word in scales}
SCALE_EXPONENTS |= {"thousand": 3, "k": 3, "万": 4, "億": 8, "兆": 12}
SCALE_EXPONENTS |= {
    alias: SCALE_EXPONENTS[word]
    for word, aliases in {
        "lakh": ("lakhs", "lac", "lacs"),
        "crore": ("crores", "cr"),
        "million": ("mn", "m"),
        "billion": ("bn", "b"),
        "trillion": ("tn",),
    }.items()
    for alias in aliases
}
# Words for a counted unit: wording.COUNTED_UNIT_WORDS's, plus workers and 人.
COUNTED_ALIASES = {
    word: unit for unit, words in COUNTED_UNIT_WORDS.items() for word in (unit, *words)
} | {"worker": "persons", "workers": "persons", "人": "persons"}

_MARKS = {symbol: code for code, symbol in SYMBOLS.items()} | CURRENCY_WORDS
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>[0-9.,]*[0-9][0-9.,]*)"
    r"|(?P<minus>[-−–])"
    r"|(?P<mark>us\$|[" + re.escape("".join(SYMBOLS.values())) + r"万億兆円人])"
    r"|(?P<word>[^\W\d_]+\.?)",
    re.IGNORECASE,
)
_PLAIN = re.compile(r"[0-9]*\.?[0-9]+")
_WESTERN = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_INDIAN = re.compile(r"[0-9]{1,2}(?:,[0-9]{2})*,[0-9]{3}(?:\.[0-9]+)?")
_EXAMPLE = "'¥500 billion', '₹5,000 crore' or '3,000 workers'"


class AmountError(ValueError):
    """Text that does not read as exactly one amount."""


@dataclass(frozen=True)
class ParsedAmount:
    value: Decimal
    unit: str  # an ISO 4217 code, a counted unit such as "persons", or ""


def _refuse(text: str, reason: str, example: str = _EXAMPLE) -> AmountError:
    return AmountError(f"Cannot read {text!r} as an amount: {reason}. Write it like {example}.")


def _tokens(cleaned: str, text: str) -> list[tuple[str, object, str]]:
    """(kind, value, as written) for each piece: number, minus, currency, scale or unit."""
    tokens, at = [], 0
    while at < len(cleaned):
        match = _TOKEN.match(cleaned, at)
        if match is None:
            raise _refuse(text, f"{cleaned[at]!r} is not part of an amount")
        at = match.end()
        piece, kind = match.group(), match.lastgroup
        if kind in ("number", "minus"):
            tokens.append((kind, piece, piece))
            continue
        if kind == "space":
            continue
        word = piece.removesuffix(".")
        key = word.lower()
        if key in _MARKS:
            tokens.append(("currency", _MARKS[key], piece))
        elif key.upper() in SYMBOLS or (word.isupper() and word in CURRENCY_CODES):
            tokens.append(("currency", key.upper(), piece))
        elif key in SCALE_EXPONENTS:
            tokens.append(("scale", SCALE_EXPONENTS[key], piece))
        else:
            tokens.append(("unit", COUNTED_ALIASES.get(key, key), piece))
    return tokens


def _digits(number: str, text: str) -> str:
    """The number without its grouping commas, if it is grouped one accepted way."""
    if number.count(".") > 1:
        raise _refuse(text, f"{number!r} has more than one decimal point", "'1234.5'")
    if "," not in number and not _PLAIN.fullmatch(number):
        raise _refuse(text, f"{number!r} is not a well-formed number", "'1234.5'")
    if not any(p.fullmatch(number) for p in (_PLAIN, _WESTERN, _INDIAN)):
        raise _refuse(
            text,
            f"{number!r} is grouped neither the Western way nor the Indian way",
            "'1,234,567' or '12,34,567'",
        )
    return number.replace(",", "")


def _default(unit: str) -> str:
    unit = normalize_unit(unit)
    return COUNTED_ALIASES.get(unit, unit)


def parse_amount(text: str, default_unit: str = "") -> ParsedAmount:
    """Read one amount and its unit from text; raise AmountError if it is not exactly one."""
    text = text or ""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = cleaned.removesuffix(".").rstrip()
    if not cleaned:
        raise _refuse(text, "it is empty")
    tokens = _tokens(cleaned, text)
    numbers = [i for i, (kind, _, _) in enumerate(tokens) if kind == "number"]
    if not numbers:
        if any(kind == "scale" for kind, _, _ in tokens):
            raise _refuse(text, "it has a scale word but no number", "'5 billion'")
        raise _refuse(text, "it has no number")
    if len(numbers) > 1:
        raise _refuse(text, "it has more than one number", "'5.003 billion'")
    at = numbers[0]
    before, after = tokens[:at], tokens[at + 1 :]
    if any(kind == "minus" for kind, _, _ in before):
        raise _refuse(text, "amounts cannot be negative", "'5 crore'")

    exponents = []
    while after and after[0][0] == "scale":
        exponents.append(after.pop(0)[1])
    if any(a >= b for a, b in pairwise(exponents)):
        raise _refuse(text, "its scale words are not in rising order", "'1 lakh crore'")

    currencies, units = set(), []
    for index, (kind, value, written) in enumerate(before + after):
        if kind == "currency":
            currencies.add(value)
        elif kind == "scale":
            raise _refuse(text, f"{written!r} must follow the number directly", "'¥5 billion'")
        elif kind == "unit" and index >= len(before):
            units.append(value)
        elif kind == "unit":
            raise _refuse(text, f"only a currency may come before the number, not {written!r}")
        else:
            raise _refuse(text, f"{written!r} is not part of an amount")
    if len(currencies) > 1:
        raise _refuse(text, f"it names {' and '.join(sorted(currencies))}", "'¥500 billion'")
    if len(units) > 1:
        raise _refuse(text, "it names more than one unit", "'20,000 persons'")
    if currencies and units:
        raise _refuse(text, "it names both a currency and a counted unit")
    unit = currencies.pop() if currencies else units[0] if units else ""
    default = _default(default_unit)
    if unit and default and not units_add_up(unit, default):
        raise _refuse(
            text,
            f"it is in {unit}, which cannot count towards an amount in {default}",
            f"'{human_amount(Decimal(5000), default)}'",
        )

    digits = _digits(tokens[at][1], text)
    with localcontext() as exact:  # room for every digit: scaling never rounds
        exact.prec = len(digits) + 1
        value = Decimal(digits).scaleb(sum(exponents)).normalize()
    exponent = value.as_tuple().exponent
    if exponent < -PLACES:
        raise _refuse(text, f"it has more than {PLACES} decimal places", "'1234.5678'")
    if value.adjusted() >= WHOLE_DIGITS:
        raise _refuse(text, f"it has more than {WHOLE_DIGITS} digits before the decimal point")
    if exponent > 0:
        value = value.quantize(Decimal(1))
    return ParsedAmount(value, unit or default)


def describe(parsed: ParsedAmount) -> str:
    """The reading for a preview: '¥500 billion (¥500,000,000,000)', '3,000 people'."""
    human = human_amount(parsed.value, parsed.unit)
    exact = exact_amount(parsed.value, parsed.unit)
    return human if human == exact else f"{human} ({exact})"
