"""The editors' workspace: commitments with their milestones, sources and exchange rates.

Editors draft; reviewers publish, withdraw, correct and assess (services.py says who may do
what). Every change is kept in the history, with a diff and a revert.
"""

from django.contrib import admin

from . import commitments, milestones, rates, reference  # noqa: F401  (they register)

admin.site.site_header = "India–Japan Commitment Tracker"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Editors’ workspace"
