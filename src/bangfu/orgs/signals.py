"""Keep the in-memory organisation tree of every process fresh."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Organisation, RoleAssignment
from .scope import bump_tree_version


@receiver([post_save, post_delete], sender=Organisation)
def organisation_changed(**kwargs) -> None:
    bump_tree_version()


@receiver([post_save, post_delete], sender=RoleAssignment)
def roles_changed(instance, **kwargs) -> None:
    # Role lists are cached on the user object for one request only; nothing to clear
    # beyond that, but drop it from an instance that lives on (tests, shells).
    if hasattr(instance.user, "_bangfu_roles"):
        del instance.user._bangfu_roles
