"""The editors' forms: amounts as people write them, and the evidence and review rules on
the field."""

from decimal import Decimal

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet

from tracker.methodology import vocabulary as v
from tracker.methodology.amounts import AmountError, ParsedAmount, describe, parse_amount
from tracker.methodology.units import BASE_CURRENCY, normalize_unit
from tracker.methodology.wording import exact_amount, human_amount, long_date, percent

from .. import corrections, services
from ..models import (
    Commitment,
    ExchangeRate,
    Milestone,
)


class AmountField(forms.CharField):
    """An amount typed as people write it, read by the one parser (methodology.amounts).

    Cleans to a ParsedAmount; the form then fills, or checks, the unit box beside it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "As you would write it: ¥500 billion, ₹5,000 crore, 10 lakh, $1.2bn, "
            "2.5 trillion yen, 12,34,567 or a plain number.",
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # The stored figure in full, so saving an unchanged form never rounds it.
        return f"{value.normalize():f}" if isinstance(value, Decimal) else value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_amount(text)
        except AmountError as error:
            raise ValidationError(str(error), code="invalid") from error

    def has_changed(self, initial, data):
        try:
            return self.figure(initial) != self.figure(data)
        except ValidationError:
            return True

    def figure(self, value) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        parsed = self.to_python(value)
        return parsed.value if parsed else None


class AmountUnitMixin:
    """Fills a form's unit box from the symbol or word typed with its amount (¥, crore yen,
    workers), and refuses the two disagreeing, on the amount."""

    amount_units: dict[str, str] = {}  # amount field -> the unit field beside it

    def show_amounts_as_written(self):
        """Offer a stored figure as people write it (¥500,000,000,000), where that text
        reads back as exactly the stored value."""
        for amount_field, unit_field in self.amount_units.items():
            value = self.initial.get(amount_field)
            if not isinstance(value, Decimal):  # nothing stored, or text already
                continue
            written = exact_amount(value, normalize_unit(self.initial.get(unit_field) or ""))
            try:
                exact = parse_amount(written).value == value
            except AmountError:
                exact = False
            if exact:
                self.initial[amount_field] = written

    def read_amounts(self, cleaned):
        for amount_field, unit_field in self.amount_units.items():
            parsed = cleaned.get(amount_field)
            if not isinstance(parsed, ParsedAmount):
                continue
            typed = normalize_unit(cleaned.get(unit_field) or "")
            if parsed.unit and typed and parsed.unit != typed:
                self.add_error(
                    amount_field,
                    f"This amount reads as {parsed.unit}, but the unit says {typed}: make "
                    "them agree, or leave the unit empty to take it from the amount.",
                )
                continue
            cleaned[amount_field] = parsed.value
            if parsed.unit and not typed:
                cleaned[unit_field] = parsed.unit


class MilestoneForm(AmountUnitMixin, forms.ModelForm):
    """A milestone as an editor writes it, checked as a reviewer would check it.

    The status offers only the moves this user may make (services.py); publishing applies
    the evidence rules, on their fields; a change to a published figure needs a reason,
    which readers see as a correction. The admin binds the user with `for_request`.
    """

    amount = AmountField()
    change_reason = forms.CharField(
        label="Reason for this change (shown to readers as a correction)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you change the amount, unit, date or stage of a published "
        "milestone; kept in its history either way.",
    )
    amount_units = {"amount": "unit"}

    user = AnonymousUser()
    # False in the commitment page's inline: published milestones are corrected on their
    # own page, where the reason field is.
    corrects_published = True
    # Set for the history's revert: the form's instance is then an older version, so the
    # milestone as saved now says who may change it; the reason records the revert.
    stored = None
    revert_reason = ""
    preview = None

    class Meta:
        model = Milestone
        fields = [
            "commitment", "kind", "occurred_on", "title", "description", "amount", "unit",
            "stage", "meeting", "status", "withdrawal_reason", "sources",
        ]  # fmt: skip

    @classmethod
    def for_request(cls, request, **attributes):
        return type(cls.__name__, (cls,), {"user": request.user, **attributes})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_amounts_as_written()
        saved = self.stored or self.instance
        self.before = saved.status if saved.pk else None
        self.own_work = services.is_own_work(self.user, saved) or self.stored is not None
        if "status" in self.fields:
            allowed = services.statuses_for(self.user, self.before)
            self.fields["status"].widget.choices = [
                choice for choice in Milestone.Status.choices if choice[0] in allowed
            ]
        self.read_only = saved.pk is not None and not (
            services.may_change(self.user, saved)
            and (self.corrects_published or saved.status == v.DRAFT)
        )
        if self.read_only:
            for field in self.fields.values():
                field.disabled = True

    @property
    def previewing(self):
        return self.prefix is None and "_preview" in self.data

    @property
    def publishing(self):
        return self.prefix is None and "_publish" in self.data

    def is_valid(self):
        # A preview saves nothing: a valid form reports itself unfinished, so the admin
        # shows it again as typed, with what was understood.
        valid = super().is_valid()
        if valid and self.previewing:
            self.preview = self.understood()
            return False
        return valid

    def clean_status(self):
        # The Publish button asks for the status the select would otherwise give.
        if self.publishing and not self.read_only:
            return v.PUBLISHED
        return self.cleaned_data["status"]

    def clean(self):
        cleaned = super().clean()
        self.read_amounts(cleaned)
        status = cleaned.get("status")
        if self.read_only or status is None:
            return cleaned
        self.own_work = self.own_work or any(
            name not in ("status", "change_reason") and not self.same_text(name)
            for name in self.changed_data
        )
        refusals = services.status_errors(
            self.user, before=self.before, after=status, own_work=self.own_work
        )
        if status == v.PUBLISHED:
            refusals |= services.evidence_errors(
                occurred_on=cleaned.get("occurred_on"),
                kind=cleaned.get("kind"),
                has_source=bool(cleaned.get("sources")),
            )
        for field, message in refusals.items():
            self.add_error(field, message)
        return cleaned

    def same_text(self, name) -> bool:
        # Browsers send line breaks as CRLF; text saved by an import or the shell has LF.
        # Pressing Publish on such a draft does not make the reviewer its editor.
        before, after = self[name].initial, self[name].data
        if not (isinstance(before, str) and isinstance(after, str)):
            return False
        return before.replace("\r\n", "\n") == after.replace("\r\n", "\n")

    def _post_clean(self):
        super()._post_clean()
        reason = (self.cleaned_data.get("change_reason") or "").strip() or self.revert_reason
        if not reason and self.instance.status == v.PUBLISHED and self.before != v.PUBLISHED:
            reason = services.publication_note(self.own_work)
        self.instance._change_reason = reason
        if self.before != v.PUBLISHED or self.read_only or self.previewing:
            return
        # The correction rule is the model's (corrections.public_changes); asked here, its
        # answer lands on the reason field instead of failing the save.
        try:
            corrections.public_changes(self.instance)
        except ValidationError as refusal:
            for field, found in refusal.message_dict.items():
                self.add_error("change_reason" if field == NON_FIELD_ERRORS else field, found)

    def understood(self) -> str:
        """What the amount was read as, and its share of a target in the same unit."""
        amount = self.cleaned_data.get("amount")
        if amount is None:
            return "Understood: no amount."
        unit = normalize_unit(self.cleaned_data.get("unit") or "")
        reading = describe(ParsedAmount(amount, unit))
        commitment = self.cleaned_data.get("commitment")
        if commitment is None or not commitment.is_quantitative or not commitment.target_value:
            return f"Understood: {reading}."
        target = human_amount(commitment.target_value, commitment.target_unit)
        if unit == commitment.target_unit:
            share = percent(amount / commitment.target_value, 2)
            return f"Understood: {reading} = {share} of the target ({target})."
        return (
            f"Understood: {reading}; converted to {commitment.target_unit} at the rate of its "
            f"date where it counts towards the target ({target})."
        )


class MilestoneFormSet(BaseInlineFormSet):
    """On the commitment page only drafts can be deleted: published milestones are
    withdrawn with a reason, on their own page."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        delete = form.fields.get(DELETION_FIELD_NAME)
        if delete is not None and form.instance.pk and form.instance.status != v.DRAFT:
            delete.disabled = True


class CommitmentForm(AmountUnitMixin, forms.ModelForm):
    """The target typed as people write it; every database rule answered on its field."""

    target_value = AmountField(label="Target value")
    amount_units = {"target_value": "target_unit"}

    class Meta:
        model = Commitment
        fields = [
            "title", "slug", "summary", "pillar", "agreement", "meeting", "is_headline", "kind",
            "target_value", "target_unit", "parent", "weight", "start_date", "deadline",
            "deadline_basis", "deadline_words", "promised_by", "responsible_india",
            "responsible_japan", "sectors", "sources",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_amounts_as_written()
        if "weight" in self.fields:
            self.fields["weight"].validators.append(
                MinValueValidator(1, "A commitment weighs at least 1 in the rollups.")
            )

    def clean(self):
        cleaned = super().clean()
        self.read_amounts(cleaned)
        return cleaned


class WithdrawForm(forms.Form):
    # Not required here: the model words the refusal of a blank reason, on this field.
    withdrawal_reason = forms.CharField(
        label="Reason for withdrawing (readers see it in the milestone’s place)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExchangeRateForm(forms.ModelForm):
    """The rate table's rules on their fields, before the database's constraints."""

    class Meta:
        model = ExchangeRate
        fields = ["date", "currency", "units_per_usd", "is_reference", "note"]

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if currency == BASE_CURRENCY:
            raise ValidationError("Rates are given per US dollar, so USD needs none.")
        return currency

    def clean_units_per_usd(self):
        rate = self.cleaned_data["units_per_usd"]
        if rate is not None and rate <= 0:
            raise ValidationError("A rate is more than zero: how many units one dollar buys.")
        return rate

    def clean(self):
        cleaned = super().clean()
        currency, on = cleaned.get("currency"), cleaned.get("date")
        if "date" in self.fields and currency and on:
            taken = ExchangeRate.objects.filter(currency=currency, date=on)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "date",
                    f"There is already a {currency} rate for {long_date(on)}: correct that one.",
                )
        return cleaned
