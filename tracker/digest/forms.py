from django import forms

from tracker.commitments.models import Pillar

from .sending import default_as_of


def pillar_choices(label: str):
    return forms.ModelMultipleChoiceField(
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
