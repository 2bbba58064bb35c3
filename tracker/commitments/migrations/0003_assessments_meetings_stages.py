"""Assessments, meetings, sub-targets and completion stages.

Existing rows are carried over: the free-text deadline basis becomes `deadline_words` with
a basis of "assumed" unless the text quotes a source and mentions no horizon of the tracker's
own; "milestone" commitments become deliverables; a milestone's percent complete becomes a
stage (100 → complete, anything above 0 → agreed) for editors to review.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def carry_over_rows(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Milestone = apps.get_model("commitments", "Milestone")
    for commitment in Commitment.objects.all():
        text = commitment.deadline_basis or ""
        commitment.deadline_words = text
        quoted = "“" in text and "horizon" not in text
        commitment.deadline_basis = "stated" if quoted else "assumed"
        if commitment.kind == "milestone":
            commitment.kind = "deliverable"
        commitment.save(update_fields=["deadline_words", "deadline_basis", "kind"])
    Milestone.objects.filter(percent_complete__gte=100).update(stage="complete")
    Milestone.objects.filter(percent_complete__gt=0, percent_complete__lt=100).update(
        stage="agreed"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0002_editors_group'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Assessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('on_track', 'On track'), ('at_risk', 'At risk'), ('off_track', 'Off track'), ('stalled', 'Stalled')], max_length=12)),
                ('reason', models.TextField(help_text='Why, in words a reader can check against the evidence.')),
                ('assessed_on', models.DateField(default=django.utils.timezone.localdate)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-assessed_on', '-id'],
                'get_latest_by': ['assessed_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Meeting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80, unique=True)),
                ('name', models.CharField(max_length=200)),
                ('held_on', models.DateField(blank=True, help_text='Leave empty when the sources do not give the date.', null=True)),
                ('date_note', models.CharField(blank=True, help_text='How the date is known, or that it is not.', max_length=300)),
                ('place', models.CharField(blank=True, max_length=120)),
                ('summary', models.TextField(blank=True)),
            ],
            options={
                'ordering': [models.OrderBy(models.F('held_on'), nulls_last=True), 'name'],
            },
        ),
        migrations.AlterModelOptions(
            name='commitment',
            options={'ordering': ['pillar__order', 'title'], 'permissions': [('assess_commitment', 'Can record an editors’ assessment')]},
        ),
        migrations.RemoveConstraint(
            model_name='commitment',
            name='commitment_deadline_after_start',
        ),
        migrations.RemoveConstraint(
            model_name='milestone',
            name='milestone_percent_0_100',
        ),
        migrations.AddField(
            model_name='commitment',
            name='deadline_words',
            field=models.TextField(blank=True, help_text='Stated: the source’s words (“within five years”). Assumed: why the tracker uses its own horizon. None: why there is no deadline.'),
        ),
        migrations.AddField(
            model_name='commitment',
            name='parent',
            field=models.ForeignKey(blank=True, help_text='A larger commitment this one is part of; its counted amounts add to it too.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='commitments.commitment'),
        ),
        migrations.AddField(
            model_name='milestone',
            name='kind',
            field=models.CharField(choices=[('evidence', 'Evidence of progress'), ('reaffirmed', 'Reaffirmed at a later meeting'), ('planned', 'Planned (upcoming, never counted)')], default='evidence', help_text='Evidence counts; a reaffirmation is shown but moves nothing; a planned event is shown as upcoming and never counts.', max_length=12),
        ),
        migrations.AddField(
            model_name='milestone',
            name='stage',
            field=models.CharField(blank=True, choices=[('agreed', 'Agreed'), ('under_way', 'Under way'), ('substantial', 'Substantial'), ('complete', 'Complete')], help_text='For a deliverable: the completion stage this evidence shows.', max_length=12),
        ),
        migrations.RunPython(carry_over_rows, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='milestone',
            name='percent_complete',
        ),
        migrations.AlterField(
            model_name='commitment',
            name='agreement',
            field=models.ForeignKey(blank=True, help_text='The document it comes from; empty when no source names one.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='commitments', to='commitments.agreement'),
        ),
        migrations.AlterField(
            model_name='commitment',
            name='deadline',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='commitment',
            name='deadline_basis',
            field=models.CharField(choices=[('stated', 'Stated in a source'), ('assumed', 'Assumed by the tracker'), ('none', 'No deadline')], default='assumed', max_length=8),
        ),
        migrations.AlterField(
            model_name='commitment',
            name='kind',
            field=models.CharField(choices=[('quantitative', 'Quantitative (a target value in a unit)'), ('deliverable', 'Deliverable (tracked by completion stage)')], max_length=16),
        ),
        migrations.AlterField(
            model_name='commitment',
            name='start_date',
            field=models.DateField(blank=True, help_text='The day it was made; empty when no source dates it.', null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='assessed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='assessment',
            name='commitment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assessments', to='commitments.commitment'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='sources',
            field=models.ManyToManyField(blank=True, related_name='meetings', to='commitments.source'),
        ),
        migrations.AddField(
            model_name='commitment',
            name='meeting',
            field=models.ForeignKey(help_text='The meeting where it was first made.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='commitments', to='commitments.meeting'),
        ),
        migrations.AddField(
            model_name='milestone',
            name='meeting',
            field=models.ForeignKey(blank=True, help_text='For a reaffirmation: the meeting that reaffirmed the commitment.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='milestones', to='commitments.meeting'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(('deadline__isnull', True), ('start_date__isnull', True), ('deadline__gt', models.F('start_date')), _connector='OR'), name='commitment_deadline_after_start'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('deadline__isnull', True), ('deadline_basis', 'none')), models.Q(models.Q(('deadline_basis', 'none'), _negated=True), ('deadline__isnull', False)), _connector='OR'), name='commitment_deadline_matches_basis'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'deliverable'), _negated=True), ('target_value__isnull', True), _connector='OR'), name='commitment_deliverable_has_no_target'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('id')), _negated=True), name='commitment_not_its_own_parent'),
        ),
        migrations.AddConstraint(
            model_name='milestone',
            constraint=models.CheckConstraint(condition=models.Q(('stage', ''), ('stage__in', ('agreed', 'under_way', 'substantial', 'complete')), _connector='OR'), name='milestone_stage_known'),
        ),
        migrations.AddConstraint(
            model_name='milestone',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'evidence'), models.Q(('stage', ''), ('amount__isnull', True)), _connector='OR'), name='milestone_only_evidence_moves'),
        ),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ('on_track', 'at_risk', 'off_track', 'stalled'))), name='assessment_status_known'),
        ),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='assessment_has_reason'),
        ),
    ]
