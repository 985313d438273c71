"""The audit log, for auditors and the supervisor: read only, within scope, filtered by date,
person, organisation, object type and action, and exported as the same readable rows."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bangfu.core.dates import cn_datetime, shown_date
from bangfu.core.paging import page_without_count
from bangfu.orgs.roles import PERMISSIONS
from bangfu.orgs.scope import require_perm_somewhere

from .actor import Actor
from .describe import FILTER_LABELS, describe_entries
from .export import EXPORT_LIMIT, log_workbook
from .forms import LogFilterForm
from .selectors import audit_entries, audit_orgs
from .services import audit_export_record

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The form's field names → the selector's arguments.
SELECTOR_ARGS = {"type": "target_type", "id": "target_id"}


def _filtered(request):
    require_perm_somewhere(request.user, "audit.view")
    form = LogFilterForm(request.GET or None, orgs=audit_orgs(user=request.user))
    filters = form.filters()
    qs = audit_entries(user=request.user, **{SELECTOR_ARGS.get(k, k): v for k, v in filters.items()})
    return form, filters, qs


@login_required
def entry_list(request):
    form, filters, qs = _filtered(request)
    page = page_without_count(qs, request.GET.get("page"), PER_PAGE)
    page.rows = describe_entries(page.rows, user=request.user)
    return render(request, "audit/entry_list.html", {"form": form, "page": page, "filtered": bool(filters)})


@login_required
def entry_export(request):
    form, filters, qs = _filtered(request)
    entries = list(qs[:EXPORT_LIMIT])
    # Described a few hundred at a time: each batch looks up its objects with one IN list.
    rows = [d for i in range(0, len(entries), 500) for d in describe_entries(entries[i : i + 500], user=request.user)]
    # What was exported, kept in the form the filter reads it back (ISO dates, codes).
    kept = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}
    audit_export_record(actor=Actor.from_request(request), filters=kept, rows=len(rows), org=_home_org(request))
    shown = "，".join(f"{FILTER_LABELS[k]} {v}" for k, v in _filter_text(form, filters).items()) or "全部记录"
    subtitle = f"筛选：{shown}；共 {len(rows)} 条；导出时间 {cn_datetime(timezone.now())}"
    if len(rows) == EXPORT_LIMIT:
        subtitle += f"（只导出最近的 {EXPORT_LIMIT} 条，请缩小筛选范围）"
    content = log_workbook(rows, title="审计日志", subtitle=subtitle)
    name = f"审计日志{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _filter_text(form, filters: dict) -> dict:
    """Each filter as the form shows it (the option's Chinese name, not its value)."""
    out = {}
    for key, value in filters.items():
        field = form.fields[key]
        choices = dict(getattr(field, "choices", ()) or ())
        out[key] = choices.get(value) or choices.get(str(value)) or (
            shown_date(value) if hasattr(value, "year") else value
        )
    return out


def _home_org(request):
    """The export row belongs where the reader holds the log: so the auditors of that
    organisation and above see who took its rows away."""
    assignment = request.user.role_assignments.filter(role__in=PERMISSIONS["audit.view"]).order_by("pk").first()
    return assignment.org if assignment else None
