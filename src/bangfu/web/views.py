"""Home page per role: what waits for the user."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bangfu.orgs.scope import has_perm
from bangfu.registry.selectors import household_counts


@login_required
def home(request):
    context = {}
    if has_perm(request.user, "registry.view"):
        context["household_counts"] = household_counts(user=request.user)
    return render(request, "web/home.html", context)
