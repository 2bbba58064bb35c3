"""Reading amounts as people write them, table by table (no database)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.methodology.amounts import AmountError, ParsedAmount, describe, parse_amount


@pytest.mark.parametrize(
    "text, value, unit",
    [
        # plain numbers
        ("500000000000", D("500000000000"), ""),
        ("1234.5", D("1234.5"), ""),
        ("1,234.5", D("1234.5"), ""),
        (" 42 ", D(42), ""),
        (".5", D("0.5"), ""),
        ("0", D(0), ""),
        ("42.", D(42), ""),  # a trailing period
        # Indian and Western grouping
        ("12,34,567", D(1234567), ""),
        ("₹1,05,00,00,00,000", D("105000000000"), "INR"),
        ("1,000,000", D(1000000), ""),
        ("12,345", D(12345), ""),
        # symbols, codes and words for the currency
        ("¥500 billion", D("500000000000"), "JPY"),
        ("₹5,000 crore", D("50000000000"), "INR"),
        ("$1.2bn", D("1200000000"), "USD"),
        ("2.5 trillion yen", D("2500000000000"), "JPY"),
        ("JPY 60 billion", D("60000000000"), "JPY"),
        ("60 billion JPY", D("60000000000"), "JPY"),
        ("jpy 60 billion", D("60000000000"), "JPY"),
        ("US$13 billion", D("13000000000"), "USD"),
        ("Rs 10,500 crore", D("105000000000"), "INR"),
        ("Rs. 10,500 crore", D("105000000000"), "INR"),
        ("Rs.10,500 crore.", D("105000000000"), "INR"),
        ("INR 5 lakh", D(500000), "INR"),
        ("€3m", D(3000000), "EUR"),
        ("£2 million", D(2000000), "GBP"),
        ("5,000 crore rupees", D("50000000000"), "INR"),
        ("1.2 billion dollars", D("1200000000"), "USD"),
        ("CHF 5 million", D(5000000), "CHF"),  # any ISO code written in capitals
        ("¥5 crore yen", D(50000000), "JPY"),  # one currency named twice
        # scale words
        ("5 thousand", D(5000), ""),
        ("5k", D(5000), ""),
        ("10 lakh", D(1000000), ""),
        ("10 lakhs", D(1000000), ""),
        ("10 lac", D(1000000), ""),
        ("5 crores", D(50000000), ""),
        ("5 cr", D(50000000), ""),
        ("5 mn", D(5000000), ""),
        ("5 M", D(5000000), ""),
        ("5 b", D(5000000000), ""),
        ("5 tn", D(5000000000000), ""),
        ("₹1 lakh crore", D(10) ** 12, "INR"),  # rising scale words multiply
        ("1.25 thousand crore", D("12500000000"), ""),
        ("1,000億円", D("100000000000"), "JPY"),
        ("10兆円", D("10000000000000"), "JPY"),
        ("5万円", D(50000), "JPY"),
        ("１０兆円", D("10000000000000"), "JPY"),  # full-width digits
        ("  ¥  500   BILLION  ", D("500000000000"), "JPY"),
        ("0.0001 million", D("100"), ""),
        ("1.2345", D("1.2345"), ""),
        ("1.23456 thousand", D("1234.56"), ""),  # places are counted after scaling
        # counted units
        ("3,000 workers", D(3000), "persons"),
        ("500,000 people", D(500000), "persons"),
        ("20,000 persons", D(20000), "persons"),
        ("1 person", D(1), "persons"),
        ("5 lakh Workers", D(500000), "persons"),
        ("5万人", D(50000), "persons"),
        ("5 tonnes", D(5), "tonnes"),
        ("500 MW", D(500), "mw"),
        ("5 cup", D(5), "cup"),  # not the Cuban peso: other ISO codes need capitals
    ],
)
def test_reads_the_value_and_the_unit(text, value, unit):
    assert parse_amount(text) == ParsedAmount(value, unit)


@pytest.mark.parametrize(
    "text, default_unit, expected",
    [
        ("10 lakh", "INR", ParsedAmount(D(1000000), "INR")),
        ("10 lakh", "jpy", ParsedAmount(D(1000000), "JPY")),
        ("500", "persons", ParsedAmount(D(500), "persons")),
        ("500", "People", ParsedAmount(D(500), "persons")),
        ("500", "", ParsedAmount(D(500), "")),
        # a different currency is not a conflict: it is converted where it is counted
        ("₹5,000 crore", "JPY", ParsedAmount(D("50000000000"), "INR")),
        ("3,000 workers", "persons", ParsedAmount(D(3000), "persons")),
    ],
)
def test_a_figure_without_a_unit_takes_the_default_unit(text, default_unit, expected):
    assert parse_amount(text, default_unit) == expected


@pytest.mark.parametrize(
    "text, default_unit, reason",
    [
        ("", "", "empty"),
        ("   ", "", "empty"),
        (".", "", "empty"),
        ("abc", "", "no number"),
        ("NaN", "", "no number"),
        ("inf", "", "no number"),
        ("Infinity", "", "no number"),
        ("¥", "", "no number"),
        ("billion", "", "scale word but no number"),
        ("crore rupees", "", "scale word but no number"),
        ("$5 crore ¥", "", "names JPY and USD"),
        ("₹5 crore yen", "", "names INR and JPY"),
        ("USD 5 billion JPY", "", "names JPY and USD"),
        ("-5", "", "negative"),
        ("−5", "", "negative"),
        ("₹-5 crore", "", "negative"),
        ("1,2,3", "", "grouped neither"),
        ("1,00,000,000", "", "grouped neither"),
        ("123,45,678", "", "grouped neither"),
        ("1.234,5", "", "grouped neither"),
        ("5 billion 3 million", "", "more than one number"),
        ("5 000", "", "more than one number"),
        ("1.2.3", "", "more than one decimal point"),
        ("5. crore", "", "not a well-formed number"),
        ("0.00001", "", "more than 4 decimal places"),
        ("1.23456789 thousand", "", "more than 4 decimal places"),
        ("100 billion trillion", "", "more than 20 digits"),
        ("5 million thousand", "", "not in rising order"),
        ("5 crore crore", "", "not in rising order"),
        ("5 yen billion", "", "must follow the number"),
        ("billion 5", "", "must follow the number"),
        ("about 5 crore", "", "only a currency may come before the number"),
        ("5 metric tonnes", "", "more than one unit"),
        ("$5 workers", "", "both a currency and a counted unit"),
        ("5 %", "", "'%' is not part of an amount"),
        ("3,000 workers", "JPY", "cannot count towards an amount in JPY"),
        ("¥5 billion", "persons", "cannot count towards an amount in persons"),
        ("5 tonnes", "persons", "cannot count towards an amount in persons"),
    ],
)
def test_refuses_what_is_not_exactly_one_amount(text, default_unit, reason):
    with pytest.raises(AmountError) as refused:
        parse_amount(text, default_unit)
    message = str(refused.value)
    assert reason in message
    assert repr(text) in message  # quotes what was typed
    assert "Write it like '" in message  # and shows a form that is accepted


def test_a_refusal_is_a_value_error():
    with pytest.raises(ValueError):
        parse_amount("abc")


def test_whole_values_come_back_without_an_exponent():
    assert str(parse_amount("¥500 billion").value) == "500000000000"
    assert str(parse_amount("1,234.50").value) == "1234.5"


@pytest.mark.parametrize(
    "text, reading",
    [
        ("¥500 billion", "¥500 billion (¥500,000,000,000)"),
        ("₹5,000 crore", "₹5,000 crore (₹50,00,00,00,000)"),
        ("$1.2bn", "$1.2 billion ($1,200,000,000)"),
        ("¥500", "¥500"),
        ("3,000 workers", "3,000 people"),
        ("5 tonnes", "5 tonnes"),
        ("10 lakh", "1,000,000"),
    ],
)
def test_describe_gives_the_human_reading_and_the_exact_figure(text, reading):
    assert describe(parse_amount(text)) == reading


@given(
    st.decimals(
        min_value=0,
        max_value=D("99999999999999999999.9999"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    ).map(abs)
)
def test_any_grouped_amount_the_database_can_keep_reads_back_unchanged(value):
    assert parse_amount(f"{value:,}").value == value
