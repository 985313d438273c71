"""A service's refusal shown where the person who asked will read it.

    with refusals_to(form) as tried:
        services.household_update(actor=actor, household=household, **form.cleaned_data)
    if tried.ok:
        messages.success(request, "家庭信息已保存。")
        return redirect(...)
    return render(...)  # the form again, with the refusal on it

A form gets the message on the field the refusal names when it has that field, else as
a non-field error; a request gets it as `messages.error`, for the page it redirects to.
Anything but `Refused` goes on up: a bug stays a 500, never a polite message.
"""

from django.contrib import messages
from django.http import HttpRequest

from bangfu.core.refusal import Refused


def show_refusal(target, refused: Refused) -> None:
    """Put `refused` on `target`: a form (its field, or the whole form) or a request (a message)."""
    if isinstance(target, HttpRequest):
        messages.error(target, refused.message)
    elif refused.field in target.fields:
        target.add_error(refused.field, refused.message)
    else:
        target.add_error(None, refused.message)


class refusals_to:
    """Run the block; a `Refused` raised in it is shown on `target` and stops there."""

    def __init__(self, target):
        self.target = target
        self.refused: Refused | None = None

    def __enter__(self) -> "refusals_to":
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if not isinstance(exc, Refused):
            return False
        self.refused = exc
        show_refusal(self.target, exc)
        return True

    @property
    def ok(self) -> bool:
        return self.refused is None
