"""Tags for pages that show residents (SPEC §10: a masked ID number is never shown beside
the full birth date it hides)."""

from django import template

from bangfu.registry.presentation import birth_shown, redact_birth_dates

register = template.Library()


@register.simple_tag(takes_context=True)
def birth(context, person) -> str:
    """`{% birth m %}`: the year of birth, or the full date within the logged reveal of this
    person's ID number (the reveal view puts `revealed_person` and `revealed_field` in the
    context)."""
    revealed = context.get("revealed_person") == person.pk and context.get("revealed_field") == "id_number"
    return birth_shown(context["request"].user, person, revealed=revealed)


@register.filter
def without_birth_dates(snapshot):
    """A stored before/after snapshot with any full birth date cut to its year (rows written
    before the log kept the year only)."""
    return redact_birth_dates(snapshot)
