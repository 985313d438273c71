"""Home page per role: what waits for the user.

Each role sees its work queues (counts, overdue in red) first, then its files.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bangfu.cases.selectors import work_queue_tiles
from bangfu.orgs.scope import has_perm, scope_for
from bangfu.registry.selectors import household_counts, household_counts_by_street, household_search


@login_required
def home(request):
    user = request.user
    context = {"work_tiles": work_queue_tiles(user)}
    if has_perm(user, "registry.view"):
        scope = scope_for(user, "registry.view")
        context["household_counts"] = household_counts(user=user)
        if has_perm(user, "registry.edit"):
            # Intake and assessors: the files they work on, newest first.
            context["can_create"] = True
            context["recent"] = list(household_search(user=user)[:8])
        elif not scope.city_wide:
            # A district sees how its streets stand; one query grouped by street.
            context["by_street"] = household_counts_by_street(user=user)
        context["city_wide"] = scope.city_wide
    if has_perm(user, "funds.view"):
        # Finance, the foundation and the bureau: the money at a glance (SPEC §7).
        context["can_funds"] = True
    if has_perm(user, "audit.view"):
        context["can_audit"] = True
    if has_perm(user, "users.manage"):
        users = get_user_model().objects
        context["user_counts"] = {"all": users.count(), "active": users.filter(is_active=True).count()}
    return render(request, "web/home.html", context)
