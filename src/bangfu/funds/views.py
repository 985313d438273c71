"""Fund pages: thin; every read goes through the scoped selectors."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from bangfu.orgs.scope import require_perm_somewhere

from .selectors import balances_visible


@login_required
def balance_list(request):
    """Balances per organisation × fund source on a date, for the organisations in scope."""
    require_perm_somewhere(request.user, "funds.view")
    error = ""
    on = timezone.localdate()
    if request.GET.get("on"):
        try:
            on = date.fromisoformat(request.GET["on"])
        except ValueError:
            error = "日期格式不正确，请按“年-月-日”填写，例如 2025-03-31。已显示今日余额。"
    rows = balances_visible(user=request.user, on=on)
    return render(request, "funds/balance_list.html", {"rows": rows, "on": on, "error": error})
