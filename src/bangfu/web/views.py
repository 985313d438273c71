"""Home page per role: what waits for the user.

Each role sees its work queues (counts, overdue in red) first, then its files.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import render

from bangfu.cases.selectors import work_queue_tiles
from bangfu.discovery import selectors as discovery_selectors
from bangfu.orgs.logins import locked_until, retry_at_text
from bangfu.orgs.scope import has_perm, scope_for
from bangfu.registry.selectors import household_counts, household_counts_by_street, household_search


@login_required
def home(request):
    user = request.user
    context = {"work_tiles": work_queue_tiles(user) + discovery_selectors.work_queue_tiles(user)}
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
    if has_perm(user, "users.manage") or has_perm(user, "roles.grant"):
        users = get_user_model().objects
        context["user_counts"] = {"all": users.count(), "active": users.filter(is_active=True).count()}
    return render(request, "web/home.html", context)


def lockout(request, original_response=None, credentials=None):
    """The login page again, saying the account is locked and when to retry (django-axes'
    AXES_LOCKOUT_CALLABLE). 429: too many attempts."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = locked_until(username)
    when = f"请于 {retry_at_text(until)} 之后再试" if until else "请稍后再试"
    message = f"密码连续输错次数过多，该账号已暂时锁定。{when}。如非本人操作，请联系安全管理员。"
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "lockout_message": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


def favicon(request):
    """No icon, said without an error: a page that names none (the admin's) makes the browser ask
    for /favicon.ico, and a 404 there is an error in its console."""
    return HttpResponse(status=204, headers={"Cache-Control": "max-age=86400"})
