from django import forms

from tracker.commitments.models import Pillar

from .sending import default_as_of


class PillarChoiceField(forms.ModelMultipleChoiceField):
    """Ids outside a 64-bit integer are refused as invalid choices before any query:
    SQLite cannot take them (OverflowError, a server error), PostgreSQL finds nothing."""

    def _check_values(self, value):
        for pk in value:
            try:
                in_range = -(2**63) <= int(str(pk)) < 2**63
            except ValueError:
                continue  # the model field's own check reports it
            if not in_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def pillar_choices(label: str):
    return PillarChoiceField(
        queryset=Pillar.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=label,
        help_text="Tick none to follow every pillar, including any added later.",
    )


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    pillars = pillar_choices("Pillars to follow")


class PillarsForm(forms.Form):
    pillars = pillar_choices("Pillars to follow")


class PreviewForm(forms.Form):
    as_of = forms.DateField(
        label="As of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Any day: the digest is for the latest complete Monday-to-Sunday week "
        "ending on or before it, as the weekly send reads the same day.",
    )
    pillars = pillar_choices("Pillars")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = default_as_of()
