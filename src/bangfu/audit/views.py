"""The audit log, for auditors and the supervisor: read only, within scope."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from bangfu.orgs.scope import require_perm_somewhere

from .selectors import audit_entries
from .services import ACTION_LABELS


@login_required
def entry_list(request):
    require_perm_somewhere(request.user, "audit.view")
    qs = audit_entries(
        user=request.user,
        target_type=request.GET.get("type") or None,
        target_id=request.GET.get("id") or None,
    )
    if request.GET.get("action"):
        qs = qs.filter(action=request.GET["action"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/entry_list.html", {"page": page, "action_labels": ACTION_LABELS})
