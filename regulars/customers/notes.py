"""Notes on a customer: plain text, added, edited and deleted with `notes.edit`.

Every write is audited with the text (an edit as old → new, a delete with the text it
removed), so a note's whole history stays in the audit although the row keeps only the
latest text and a delete really deletes it.
"""

from __future__ import annotations

from django.db import transaction

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.customers.models import NOTE_TEXT_MAX, Note
from regulars.customers.selectors import customer_get_for_actor, note_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization


def _clean_text(text: str | None) -> str:
    """The note's text with outer blank space trimmed; each problem names `text`."""
    cleaned = str(text or "").strip()
    if "\x00" in cleaned:
        raise DomainError.for_field("text", "Must not contain NUL characters.")
    if not cleaned:
        raise DomainError.for_field("text", "A note needs some text.")
    if len(cleaned) > NOTE_TEXT_MAX:
        raise DomainError.for_field("text", f"At most {NOTE_TEXT_MAX:,} characters.")
    return cleaned


@transaction.atomic
def note_add(*, org: Organization, actor: Actor, customer_id: int, text: str) -> Note:
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    actor.require(Cap.NOTES_EDIT)
    note = Note.objects.create(
        organization=org,
        customer=customer,
        text=_clean_text(text),
        author=actor.user,
        author_label=actor.label[:254],
    )
    audit_record(
        org=org,
        actor=actor,
        action="customers.note.added",
        target=note,
        changes={"text": note.text},
        customer_id=customer.pk,
    )
    return note


@transaction.atomic
def note_edit(
    *, org: Organization, actor: Actor, customer_id: int, note_id: int, text: str
) -> Note:
    """Replaces the text; an unchanged text writes nothing."""
    note = note_get_for_actor(org=org, actor=actor, customer_id=customer_id, note_id=note_id)
    actor.require(Cap.NOTES_EDIT)
    new = _clean_text(text)
    if new != note.text:
        old, note.text = note.text, new
        note.save(update_fields=["text", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action="customers.note.edited",
            target=note,
            changes={"text": (old, new)},
            customer_id=note.customer_id,
        )
    return note


@transaction.atomic
def note_delete(*, org: Organization, actor: Actor, customer_id: int, note_id: int) -> None:
    """Deletes the row; the audit entry keeps the text and its author."""
    note = note_get_for_actor(org=org, actor=actor, customer_id=customer_id, note_id=note_id)
    actor.require(Cap.NOTES_EDIT)
    audit_record(
        org=org,
        actor=actor,
        action="customers.note.deleted",
        target=note,
        changes={"text": note.text, "author": note.author_label},
        customer_id=note.customer_id,
    )
    note.delete()
