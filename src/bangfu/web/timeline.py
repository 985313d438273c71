"""The household file's timeline (SPEC §2: "the household file shows the whole history").

One function per source — categories, the file's own changes, screening visits and leads,
cases and their decisions, pre-reviews and the district's remarks, aid records, follow-ups and
documents — each returning `Entry` rows, merged newest first by `household_timeline`.

It lives in the web layer because it reads every app: the registry sits below cases,
discovery and aid and must not import them. The household was read through the user's scope
by the page; each source also asks for its own permission at the household's street (cases
through `cases.view`, visits and leads through `discovery.visit`, as the file's own sections
do), so nothing is listed that the user could not open. Aid records are shown to whoever sees
the file, as the file's aid section shows them; the link to their case, or to their project's plan, only to
those who may open it.

Each source is one query, newest first and cut at the limit, so a long history costs no more
than a short one (no query per row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from bangfu.aid.models import AidForm, AidRecord
from bangfu.cases import selectors as case_selectors
from bangfu.cases.models import Document, FollowUp, PreReview, PreReviewRemark, Transition
from bangfu.cases.workflow import ACTION_LABELS as STEP_LABELS
from bangfu.core.dates import cn_date
from bangfu.core.money import format_yuan
from bangfu.discovery.models import Lead, ScreeningVisit
from bangfu.orgs.scope import has_perm_at, scope_for
from bangfu.projects import selectors as project_selectors
from bangfu.registry import selectors as registry_selectors
from bangfu.registry.models import Household, HouseholdCategory

SUMMARY_CHARS = 80

# Steps shown from the case's own transitions; the application, pre-review, payment, receipt and
# follow-up appear through their own records (the case, the form, the aid record, the receipt
# document, the follow-up).
SHOWN_ELSEWHERE = {"apply", "pre_review", "pay", "receipt", "follow_up"}
# The decisions that set the amount: their entry names it.
APPROVING = {"approve", "approve_district", "help_first"}


@dataclass(frozen=True)
class Entry:
    when: date | datetime  # a date when the source knows only the day
    kind: str  # machine code of the source: "category", "visit", "case", …
    label: str  # the kind in Chinese, for the page
    summary: str
    by: str  # who, or "" when the source does not say
    url: str | None
    sort: datetime

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime)

    @classmethod
    def at(cls, moment: datetime, kind: str, label: str, summary: str, by: str, url: str | None) -> Entry:
        """An entry of a source that records the moment: shown and sorted by it."""
        return cls(when=moment, kind=kind, label=label, summary=summary, by=by, url=url, sort=moment)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _on_day(day: date, recorded: datetime | None) -> datetime:
    """Sort a dated entry by the moment it was recorded when that was on its day, else at the
    start of the day (a visit entered a day late still sorts on its visit day)."""
    if recorded is not None and timezone.localdate(recorded) == day:
        return recorded
    return _day_start(day)


def _line(text: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(SUMMARY_CHARS)


def _who(user) -> str:
    return str(user) if user is not None else ""


def _cut(qs, limit: int | None):
    return qs if limit is None else qs[: limit + 1]


def _case_url(case_id: int) -> str:
    return reverse("cases:detail", args=[case_id])


def _file_url(household: Household, anchor: str) -> str:
    return reverse("registry:detail", args=[household.pk]) + f"#{anchor}"


# ---------------------------------------------------------------- the registry's own


def category_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    rows = _cut(HouseholdCategory.objects.filter(household=household).order_by("-valid_from", "-pk"), limit)
    url = _file_url(household, "categories")
    return [
        Entry(
            when=c.valid_from,
            kind="category",
            label="家庭类别",
            summary=(
                f"{c.get_category_display()}，{cn_date(c.valid_from)} 至 "
                f"{cn_date(c.valid_to) if c.valid_to else '长期'}（{c.get_source_display()}）"
            ),
            by="",
            url=url,
            sort=_day_start(c.valid_from),
        )
        for c in rows
    ]


def _file_change(e) -> tuple[str, str] | None:
    """(summary, anchor) of an audit row of the file worth showing, None for the others
    (views of sensitive fields, edits of a member's details, the categories shown above)."""
    name, note = e.target_repr, _line(e.note)
    match e.target_type, e.action:
        case "registry.household", "create":
            return f"建立档案 {name}", "members"
        case "registry.household", "update":
            return "修改家庭信息" + (f"：{note}" if note else ""), "members"
        case "registry.household", "merge":
            return note or "合并重复档案", "members"
        case "registry.person", "create":
            return f"成员 {name} 登记入档", "members"
        case "registry.person", "delete":
            return f"成员 {name} 移除" + (f"：{note}" if note else ""), "members"
        case "registry.person", "merge":
            return note or f"成员 {name} 合并", "members"
        case "registry.means", "create":
            return f"登记收入财产：{name}", "members"
    return None


# The audit rows `_file_change` shows, selected in the query so that the cut counts only them.
FILE_CHANGES = (
    Q(target_type="registry.household", action__in=["create", "update", "merge"])
    | Q(target_type="registry.person", action__in=["create", "delete", "merge"])
    | Q(target_type="registry.means", action="create")
)


def file_change_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    rows = registry_selectors.household_history(user=user, household=household).filter(FILE_CHANGES)
    out = []
    for e in _cut(rows, limit):
        shown = _file_change(e)
        if shown:
            out.append(
                Entry.at(
                    e.at,
                    "file",
                    "档案变更",
                    shown[0],
                    e.actor_label,
                    _file_url(household, shown[1]),
                )
            )
    return out


# ---------------------------------------------------------------- active discovery


def visit_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    if not has_perm_at(user, "discovery.visit", household.street_id):
        return []
    rows = _cut(
        ScreeningVisit.objects.filter(household=household)
        .select_related("by")
        .order_by("-visited_on", "-pk"),
        limit,
    )
    url = reverse("discovery:discovery") + "#visits"
    return [
        Entry(
            when=v.visited_on,
            kind="visit",
            label="排摸",
            summary=_line(f"{v.get_finding_display()}" + (f"：{v.notes}" if v.notes else "")),
            by=_who(v.by),
            url=url,
            sort=_on_day(v.visited_on, v.at),
        )
        for v in rows
    ]


def lead_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    if not has_perm_at(user, "discovery.visit", household.street_id):
        return []
    rows = _cut(Lead.objects.filter(household=household).order_by("-raised_at", "-pk"), limit)
    url = reverse("discovery:discovery") + "#leads"
    out = []
    for lead in rows:
        state = f"（已处理：{lead.resolution}）" if lead.closed_at else "（待跟进）"
        out.append(
            Entry.at(
                lead.raised_at,
                "lead",
                "线索",
                _line(f"{lead.get_source_display()}：{lead.description}{state}"),
                "",
                url,
            )
        )
    return out


# ---------------------------------------------------------------- cases


def _cases(user, household: Household):
    """The household's cases the user may open (cases.view at their street), as a subquery."""
    return case_selectors.cases(user=user).filter(household=household)


def case_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    rows = _cut(
        _cases(user, household).select_related("applicant", "created_by").order_by("-created_at", "-pk"),
        limit,
    )
    return [
        Entry.at(
            c.created_at,
            "case",
            "受理申请",
            _line(
                f"{c} {c.get_aid_type_display()}，申请人 {c.applicant.name}，申请日期 {cn_date(c.application_date)}"
            ),
            _who(c.created_by),
            _case_url(c.pk),
        )
        for c in rows
    ]


def decision_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    rows = _cut(
        Transition.objects.filter(case__in=_cases(user, household).values("pk"))
        .exclude(action__in=SHOWN_ELSEWHERE)
        .select_related("case")
        .order_by("-at", "-pk"),
        limit,
    )
    out = []
    for t in rows:
        step = STEP_LABELS.get(t.action, t.action)
        text = f"{t.case} {step}：{t.get_to_state_display()}"
        if t.action in APPROVING and t.case.approved_amount is not None:
            text += f"，批准金额 {format_yuan(t.case.approved_amount)}"
        if t.comment:
            text += f"。{t.comment}"
        out.append(
            Entry.at(
                t.at,
                "decision",
                step,
                _line(text),
                t.actor_label,
                _case_url(t.case_id),
            )
        )
    return out


def pre_review_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    cases = _cases(user, household).values("pk")
    forms = _cut(
        PreReview.objects.filter(case__in=cases)
        .select_related("case", "submitted_by")
        .order_by("-submitted_at"),
        limit,
    )
    remarks = _cut(
        PreReviewRemark.objects.filter(pre_review__case__in=cases)
        .select_related("pre_review__case", "by")
        .order_by("-at", "-pk"),
        limit,
    )
    out = [
        Entry.at(
            p.submitted_at,
            "pre_review",
            "预审表",
            _line(
                f"{p.case} 报送综合帮扶预审表"
                + (f"，测算建议 {format_yuan(p.proposed_amount)}" if p.proposed_amount is not None else "")
            ),
            _who(p.submitted_by),
            _case_url(p.case_id),
        )
        for p in forms
    ]
    out += [
        Entry.at(
            r.at,
            "pre_review_remark",
            "区服务社预审意见",
            _line(f"{r.pre_review.case}：{r.text}"),
            _who(r.by),
            _case_url(r.pre_review.case_id),
        )
        for r in remarks
    ]
    return out


def follow_up_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    """Done follow-ups at the time they were made, open ones at their due date."""
    rows = FollowUp.objects.filter(case__in=_cases(user, household).values("pk")).select_related(
        "case", "done_by", "assigned_to"
    )
    done = _cut(rows.filter(done_at__isnull=False).order_by("-done_at", "-pk"), limit)
    # Open follow-ups are few (one per paid case) and all worth seeing: no cut.
    open_ = rows.filter(done_at__isnull=True).order_by("-due_date", "-pk")
    out = [
        Entry.at(
            f.done_at,
            "follow_up",
            "回访",
            _line(f"{f.case} 已回访：{f.outcome}" + (f"；家庭反馈：{f.feedback}" if f.feedback else "")),
            _who(f.done_by),
            _case_url(f.case_id),
        )
        for f in done
    ]
    out += [
        Entry(
            when=f.due_date,
            kind="follow_up_due",
            label="待回访",
            summary=f"{f.case} 待回访，{cn_date(f.due_date)}前",
            by=_who(f.assigned_to),
            url=_case_url(f.case_id),
            sort=_day_start(f.due_date),
        )
        for f in open_
    ]
    return out


def document_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    rows = _cut(
        Document.objects.filter(case__in=_cases(user, household).values("pk"))
        .select_related("case", "uploaded_by")
        .order_by("-uploaded_at", "-pk"),
        limit,
    )
    # The download view checks the scope again: the link is no way around it.
    return [
        Entry.at(
            d.uploaded_at,
            "document",
            "材料",
            _line(f"{d.case} 上传{d.get_kind_display()}：{d.original_name}"),
            _who(d.uploaded_by),
            reverse("cases:document", args=[d.case_id, d.pk]),
        )
        for d in rows
    ]


# ---------------------------------------------------------------- aid


def aid_entries(*, user, household: Household, limit: int | None = None) -> list[Entry]:
    """Every form of aid the household received; a reversal is an entry of its own, and the
    record it undoes says that it was reversed."""
    rows = _cut(
        AidRecord.objects.filter(household=household)
        .select_related(
            "organisation",
            "case_payment__case",
            "reverses",
            "ledger_transaction",
            "project_item__project__fund_source",
        )
        .annotate(reversed=Exists(AidRecord.objects.filter(reverses=OuterRef("pk"))))
        .order_by("-date", "-created_at", "-pk"),
        limit,
    )
    may_open_cases = has_perm_at(user, "cases.view", household.street_id)
    out = []
    for r in rows:
        what = f"{r.get_form_display()} · {r.get_kind_display()}"
        case = r.case_payment.case if r.case_payment_id else None
        plan = r.project_item.project if r.project_item_id else None
        source = f"{case} " if case is not None and may_open_cases else ""
        if plan is not None:
            # The plan is named to whoever sees the file (as the file's project section names it).
            source = f"{plan.code} {plan.title}{'（彩票公益金资助）' if plan.lottery_funded else ''} "
        if r.reverses_id:
            reason = r.ledger_transaction.memo if r.ledger_transaction_id else ""
            summary = f"{source}冲销 {cn_date(r.reverses.date)}的{what} {format_yuan(-r.value)}"
            summary += f"（{reason}）" if reason else ""
            kind, label = "aid_reversal", "冲销"
        else:
            summary = f"{source}{what} {format_yuan(r.value)}"
            if r.hours is not None:
                summary += f"，{r.hours} 小时"
            summary += "（已冲销）" if r.reversed else ""
            kind, label = "aid", "帮扶发放"
        # A case payment links to its case, a project delivery to its plan, for those who may open
        # them; specific aid has no page of its own yet: no link until it does.
        url = None
        if case is not None and r.form == AidForm.CASE and may_open_cases:
            url = _case_url(case.pk)
        elif plan is not None:
            url = project_selectors.plan_url(user, plan.pk, plan.owner_id)
        out.append(
            Entry(
                when=r.date,
                kind=kind,
                label=label,
                summary=_line(summary),
                by=r.organisation.name,
                url=url,
                sort=_on_day(r.date, r.created_at),
            )
        )
    return out


SOURCES = (
    category_entries,
    file_change_entries,
    visit_entries,
    lead_entries,
    case_entries,
    decision_entries,
    pre_review_entries,
    follow_up_entries,
    document_entries,
    aid_entries,
)


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    more: bool  # entries were left out (the page offers to show all)


def household_timeline(*, user, household: Household, limit: int | None = None) -> Timeline:
    """The file's history, newest first: the `limit` newest entries (all when None).

    `household` must have been read through the user's scope (registry.selectors.household_get)."""
    if not scope_for(user, "registry.view").allows(household.street_id):
        return Timeline([], False)
    entries = [e for source in SOURCES for e in source(user=user, household=household, limit=limit)]
    entries.sort(key=lambda e: e.sort, reverse=True)
    if limit is not None and len(entries) > limit:
        return Timeline(entries[:limit], True)
    return Timeline(entries, False)
