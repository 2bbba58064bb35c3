from django import forms

from tracker.commitments.models import Pillar
from tracker.progress.engine import today


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
        label="Week ending",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day of the seven-day window.",
    )
    pillars = pillar_choices("Pillars")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = today()
