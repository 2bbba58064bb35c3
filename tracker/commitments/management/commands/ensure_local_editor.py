import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

USERNAME = "editor"


class Command(BaseCommand):
    help = "Create a local editor account for development (refuses when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no local editor account is created.")
            return
        password = os.environ.get("LOCAL_EDITOR_PASSWORD", "editor-local-only")
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "email": "editor@localhost"}
        )
        if created:
            user.set_password(password)
            user.save()
        # One person on a laptop is editor and reviewer (make run sets
        # EDITORIAL_SINGLE_PERSON, so they may publish their own drafts).
        user.groups.add(*Group.objects.filter(name__in=["Editors", "Reviewers"]))
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            f"Editors sign in at http://127.0.0.1:{port}/admin/ as “{USERNAME}”"
            + (f" with password “{password}”." if created else " (account already existed).")
        )
