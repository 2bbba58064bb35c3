"""Publishing and withdrawing milestones: the editorial writes the admin calls.

Who may move a milestone between draft, published and withdrawn, and what it needs before
readers see it, is said once here, so the change form, the list actions and the Publish
button refuse the same things in the same words, each on the field to fix. Management
commands and the shell are trusted and save milestones directly.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracker.methodology import vocabulary as v

PUBLISH_PERMISSION = "commitments.publish_milestone"


def may_publish(user) -> bool:
    """Reviewers publish, withdraw and correct; editors draft."""
    return user.has_perm(PUBLISH_PERMISSION)


def may_change(user, milestone) -> bool:
    """Drafts are every editor's to edit; only a reviewer corrects a published milestone;
    a withdrawn one stays as it was withdrawn, with its public reason."""
    if milestone.status == v.DRAFT:
        return True
    return milestone.status == v.PUBLISHED and may_publish(user)


def statuses_for(user, current: str | None) -> list[str]:
    """The statuses this user may choose for a milestone that is now `current` (None: new)."""
    if current == v.WITHDRAWN or not may_publish(user):
        return [current or v.DRAFT]
    if current == v.PUBLISHED:
        return [v.PUBLISHED, v.WITHDRAWN]
    return [v.DRAFT, v.PUBLISHED]


def is_own_work(user, milestone) -> bool:
    """Whether this user drafted or last changed the milestone (a new one is theirs)."""
    return milestone.pk is None or user.pk in (milestone.created_by_id, milestone.updated_by_id)


def status_errors(user, *, before: str | None, after: str, own_work: bool) -> dict[str, str]:
    """Why this user may not move a milestone from `before` (None: new) to `after`."""
    if after == before or (before is None and after == v.DRAFT):
        return {}
    if before == v.WITHDRAWN:
        message = "A withdrawn milestone stays withdrawn; add a new milestone instead."
    elif before == v.PUBLISHED and after == v.DRAFT:
        message = "A published milestone is withdrawn with a reason, not unpublished."
    elif after == v.WITHDRAWN and before != v.PUBLISHED:
        message = "Only a published milestone is withdrawn; a draft is simply not published."
    elif not may_publish(user):
        message = "Only a reviewer can publish or withdraw a milestone; save it as a draft."
    elif after == v.PUBLISHED and own_work and not settings.EDITORIAL_SINGLE_PERSON:
        message = (
            "You drafted or last changed this milestone, so another reviewer must publish it: "
            "every published figure is checked by a second person."
        )
    else:
        return {}
    return {"status": message}


def publication_note(own_work: bool) -> str:
    """The history's reason for a publication: reviewed, or a one-person newsroom's own."""
    return "Published by its author (one-person newsroom)" if own_work else "Published after review"


def evidence_errors(*, occurred_on, kind, has_source: bool) -> dict[str, str]:
    """What a milestone lacks to be published: a source, and a date that has passed
    (a planned event is published ahead, as upcoming, and never counts)."""
    errors = {}
    if not has_source:
        errors["sources"] = "Cite at least one source before publishing."
    if occurred_on and occurred_on > timezone.localdate() and kind != v.PLANNED:
        errors["occurred_on"] = (
            "This date is in the future: publish it as a planned milestone, or wait until it "
            "has happened."
        )
    return errors


def publish(milestone, user) -> None:
    """Publish a draft another person wrote, or raise ValidationError saying, by field, why
    not. The milestone is left unsaved when refused."""
    own_work = is_own_work(user, milestone)
    errors = status_errors(user, before=milestone.status, after=v.PUBLISHED, own_work=own_work)
    if milestone.status == v.PUBLISHED:
        errors["status"] = "It is already published."
    # .all() rather than .exists(), so a list action's prefetch serves every milestone.
    errors |= evidence_errors(
        occurred_on=milestone.occurred_on,
        kind=milestone.kind,
        has_source=bool(milestone.sources.all()),
    )
    milestone.status = v.PUBLISHED
    _save_checked(milestone, user, errors, publication_note(own_work))


def withdraw(milestone, user, reason: str) -> None:
    """Withdraw a published milestone with the reason readers will see in its place (the
    model writes the public correction), or raise ValidationError by field."""
    errors = status_errors(user, before=milestone.status, after=v.WITHDRAWN, own_work=False)
    if milestone.status == v.WITHDRAWN:
        errors["status"] = "It is already withdrawn."
    milestone.status = v.WITHDRAWN
    milestone.withdrawal_reason = (reason or "").strip()
    _save_checked(milestone, user, errors, milestone.withdrawal_reason)


def _save_checked(milestone, user, errors: dict, change_reason: str) -> None:
    """Add the model's own field checks to `errors`; save only if there are none."""
    try:
        milestone.clean()
    except ValidationError as invalid:
        for field, messages in invalid.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    milestone.updated_by = user
    milestone._change_reason = change_reason  # read by the history and the corrections log
    milestone.save()
