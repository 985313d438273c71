from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bangfu.orgs.scope import require_perm_somewhere

from . import selectors


@login_required
def household_list(request):
    require_perm_somewhere(request.user, "registry.view")
    rows = selectors.households(user=request.user).order_by("-id")[:50]
    return render(request, "registry/household_list.html", {"households": rows})
