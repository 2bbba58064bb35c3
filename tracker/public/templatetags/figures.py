from django import template

from tracker.methodology import wording as figures
from tracker.public.markdown import render_markdown

register = template.Library()


@register.simple_tag
def human_amount(value, unit):
    return figures.human_amount(value, unit)


@register.simple_tag
def exact_amount(value, unit):
    return figures.exact_amount(value, unit)


@register.filter
def as_percent(value, places=0):
    return figures.percent(value, places)


@register.filter
def long_date(value):
    return figures.long_date(value)


@register.filter
def markdown(text):
    return render_markdown(text)


@register.simple_tag
def plural(count, singular, plural_form=None):
    """{% plural n "commitment" %} → '1 commitment', '3 commitments'."""
    return figures.plural(count or 0, singular, plural_form)
