from django.db import migrations, models
from django.db.models import Exists, OuterRef


def flag_sourced(apps, schema_editor):
    """Every existing milestone's flag from its links (what the rules have always read)."""
    Milestone = apps.get_model("commitments", "Milestone")
    cites = Milestone.sources.through.objects.filter(milestone_id=OuterRef("pk"))
    Milestone.objects.update(sourced=Exists(cites))


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0008_latest_n_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="milestone",
            name="sourced",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="historicalmilestone",
            name="sourced",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(flag_sourced, migrations.RunPython.noop),
    ]
