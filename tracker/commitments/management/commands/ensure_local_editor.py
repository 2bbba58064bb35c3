import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
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
        user.groups.add(Group.objects.get(name="Editors"))
        # One person on a laptop is editor and reviewer: they may record assessments too.
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="commitments", codename="assess_commitment"
            )
        )
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            f"Editors sign in at http://127.0.0.1:{port}/admin/ as “{USERNAME}”"
            + (f" with password “{password}”." if created else " (account already existed).")
        )
