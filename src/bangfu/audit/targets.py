"""What the log's rows are about, named as people know them, with a link to the object's page.

The audit log sits below every app it records (docs/architecture.md), so it knows their models
by label through Django's app registry and their pages by URL name, never by import. One row
of `TARGETS` per model the services audit: the permission that opens its page, and how a set of
its rows is named in one query. A name that is personal data (a resident's name, a household's
category) is given only to a reader who may see the object: outside their scope the row says
what kind of object it was and no more, and offers no link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class Named:
    """One object as the log shows it."""

    name: str  # what anyone who reads the row may see
    private_name: str = ""  # the fuller name, for a reader within scope (empty: `name` says it all)
    org_id: int | None = None  # where it belongs (None: the row's own organisation decides)
    url: str = ""


@dataclass(frozen=True)
class Target:
    perm: str | None  # what opens its page and its private name; None: no page
    fetch: Callable[[list[str]], dict[str, Named]]


def _model(label: str):
    return apps.get_model(label)


def _ints(ids: list[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _heads(household_ids) -> dict[int, str]:
    # 户主: the active member recorded as head of the household.
    rows = _model("registry.Person").objects.filter(
        household_id__in=household_ids, active=True, relationship="head"
    )
    return dict(rows.values_list("household_id", "name"))


def _households(ids):
    rows = list(
        _model("registry.Household")
        .objects.filter(pk__in=_ints(ids))
        .values("pk", "file_number", "street_id")
    )
    heads = _heads([r["pk"] for r in rows])
    out = {}
    for r in rows:
        head = heads.get(r["pk"])
        out[str(r["pk"])] = Named(
            name=r["file_number"],
            private_name=f"{r['file_number']}（户主 {head}）" if head else "",
            org_id=r["street_id"],
            url=reverse("registry:detail", args=[r["pk"]]),
        )
    return out


def _people(ids):
    rows = (
        _model("registry.Person")
        .objects.filter(pk__in=_ints(ids))
        .values("pk", "name", "household_id", "household__file_number", "household__street_id")
    )
    return {
        str(r["pk"]): Named(
            name=f"档案 {r['household__file_number']} 的成员",
            private_name=f"{r['name']}（档案 {r['household__file_number']}）",
            org_id=r["household__street_id"],
            url=reverse("registry:detail", args=[r["household_id"]]) + "#members",
        )
        for r in rows
    }


def _categories(ids):
    model = _model("registry.HouseholdCategory")
    labels = dict(model._meta.get_field("category").flatchoices)
    rows = model.objects.filter(pk__in=_ints(ids)).values(
        "pk", "category", "household_id", "household__file_number", "household__street_id"
    )
    return {
        str(r["pk"]): Named(
            name=f"档案 {r['household__file_number']} 的家庭类别",
            private_name=f"{labels.get(r['category'], r['category'])}（档案 {r['household__file_number']}）",
            org_id=r["household__street_id"],
            url=reverse("registry:detail", args=[r["household_id"]]),
        )
        for r in rows
    }


def _means(ids):
    rows = _model("registry.Means").objects.filter(pk__in=_ints(ids)).values(
        "pk", "person__name", "person__household_id", "person__household__file_number",
        "person__household__street_id",
    )  # fmt: skip
    return {
        str(r["pk"]): Named(
            name=f"档案 {r['person__household__file_number']} 成员的收入与财产",
            private_name=f"{r['person__name']}的收入与财产（档案 {r['person__household__file_number']}）",
            org_id=r["person__household__street_id"],
            url=reverse("registry:detail", args=[r["person__household_id"]]) + "#members",
        )
        for r in rows
    }


def _cases(ids):
    rows = _model("cases.Case").objects.filter(pk__in=_ints(ids)).values("pk", "number", "street_id")
    return {
        str(r["pk"]): Named(
            name=r["number"] or "（尚未编号）",
            org_id=r["street_id"],
            url=reverse("cases:detail", args=[r["pk"]]),
        )
        for r in rows
    }


def _panel_members(ids):
    model = _model("cases.PanelMember")
    kinds = dict(model._meta.get_field("kind").flatchoices)
    rows = model.objects.filter(pk__in=_ints(ids)).values("pk", "name", "kind", "street_id")
    return {
        str(r["pk"]): Named(
            name=f"{kinds.get(r['kind'], r['kind'])}",
            private_name=f"{r['name']}（{kinds.get(r['kind'], r['kind'])}）",
            org_id=r["street_id"],
            url=reverse("cases:roster"),
        )
        for r in rows
    }


def _transactions(ids):
    return {
        str(pk): Named(name=f"JZ{pk:08d}", url=reverse("funds:transaction", args=[pk]))
        for pk in _model("funds.Transaction").objects.filter(pk__in=_ints(ids)).values_list("pk", flat=True)
    }


def _agreements(ids):
    rows = _model("funds.Agreement").objects.filter(pk__in=_ints(ids)).values("pk", "number", "district_id")
    return {
        str(r["pk"]): Named(
            name=r["number"], org_id=r["district_id"], url=reverse("funds:agreement", args=[r["pk"]])
        )
        for r in rows
    }


def _fund_sources(ids):
    rows = _model("funds.FundSource").objects.filter(pk__in=_ints(ids)).values("pk", "name")
    return {str(r["pk"]): Named(name=r["name"], url=reverse("funds:sources")) for r in rows}


def _monthly_reports(ids):
    rows = (
        _model("funds.MonthlyReport")
        .objects.filter(pk__in=_ints(ids))
        .values("pk", "org_id", "org__code", "org__name", "year", "month")
    )
    return {
        str(r["pk"]): Named(
            name=f"{r['org__name']}{r['year']}年{r['month']}月业务及资金使用报表",
            org_id=r["org_id"],
            url=reverse("funds:report_monthly", args=[r["org__code"], r["year"], r["month"]]),
        )
        for r in rows
    }


def _policies(ids):
    rows = (
        _model("policy.Policy").objects.filter(pk__in=_ints(ids)).values("pk", "code", "title", "district_id")
    )
    return {
        str(r["pk"]): Named(
            name=f"《{r['title']}》", org_id=r["district_id"], url=reverse("policy:detail", args=[r["code"]])
        )
        for r in rows
    }


def _plain(label: str, fields: tuple[str, ...]):
    """Rows named by their own fields, with no page of their own (configuration, registers)."""

    def fetch(ids):
        rows = _model(label).objects.filter(pk__in=_ints(ids)).values("pk", *fields)
        return {str(r["pk"]): Named(name=" ".join(str(r[f]) for f in fields if r[f])) for r in rows}

    return fetch


def _plan_rows(label: str, org: str, fields: tuple[str, ...], name, page: str, page_pk: str = "pk"):
    """Project aid's rows (a plan, its enrolments, batches, checks, indicators, evaluations),
    named from `fields` by `name(row)`, belonging to the plan's owner (`org`), linked to `page`
    (`page_pk` the row's field its address takes)."""

    def fetch(ids):
        rows = _model(label).objects.filter(pk__in=_ints(ids)).values("pk", org, page_pk, *fields)
        return {
            str(r["pk"]): Named(name=name(r), org_id=r[org], url=reverse(page, args=[r[page_pk]]))
            for r in rows
        }

    return fetch


PLAN_OWNER = "project__owner_id"
PLAN_CODE = "project__code"
PROJECT_TARGETS: dict[str, Target] = {
    "projects.project": Target("projects.view", _plan_rows(
        "projects.Project", "owner_id", ("code", "title"), lambda r: f"{r['code']} {r['title']}", "projects:detail"
    )),
    "projects.enrolment": Target("projects.view", _plan_rows(
        "projects.Enrolment", PLAN_OWNER, (PLAN_CODE, "household__file_number"),
        lambda r: f"{r[PLAN_CODE]} 档案 {r['household__file_number']}", "projects:enrolments", "project_id",
    )),
    "projects.batch": Target("projects.view", _plan_rows(
        "projects.Batch", PLAN_OWNER, (PLAN_CODE, "number"), lambda r: f"{r[PLAN_CODE]} 第{r['number']}批",
        "projects:batch",
    )),
    "projects.verification": Target("projects.view", _plan_rows(
        "projects.Verification", PLAN_OWNER, (PLAN_CODE,), lambda r: f"{r[PLAN_CODE]} 第{r['pk']}次抽取",
        "projects:verification", "project_id",
    )),
    "projects.check": Target("projects.view", _plan_rows(
        "projects.Check", "verification__project__owner_id",
        ("verification__project__code", "item__household__file_number"),
        lambda r: f"{r['verification__project__code']} 档案 {r['item__household__file_number']}", "projects:check",
    )),
    "projects.indicator": Target("projects.view", _plan_rows(
        "projects.Indicator", PLAN_OWNER, (PLAN_CODE, "name"), lambda r: f"{r[PLAN_CODE]} {r['name']}",
        "projects:evaluation", "project_id",
    )),
    "projects.evaluation": Target("projects.view", _plan_rows(
        "projects.Evaluation", PLAN_OWNER, (PLAN_CODE, "score"), lambda r: f"{r[PLAN_CODE]} {r['score']}分",
        "projects:evaluation_pdf",
    )),
}  # fmt: skip

TARGETS: dict[str, Target] = {
    "registry.household": Target("registry.view", _households),
    "registry.person": Target("registry.view", _people),
    "registry.householdcategory": Target("registry.view", _categories),
    "registry.means": Target("registry.view", _means),
    "cases.case": Target("cases.view", _cases),
    "cases.panelmember": Target("cases.view", _panel_members),
    "funds.transaction": Target("funds.view", _transactions),
    "funds.agreement": Target("funds.view", _agreements),
    "funds.fundsource": Target("funds.view", _fund_sources),
    "funds.monthlyreport": Target("funds.view", _monthly_reports),
    "policy.policy": Target("policy.view", _policies),
    **PROJECT_TARGETS,
    "specific.plan": Target(None, _plain("specific.Plan", ("code", "title"))),
    "orgs.user": Target(None, _plain("orgs.User", ("full_name",))),
    "orgs.organisation": Target(None, _plain("orgs.Organisation", ("name",))),
    "orgs.apitoken": Target(None, _plain("orgs.ApiToken", ("name",))),
}


def type_name(label: str) -> str:
    """家庭档案 for registry.household: the model's own Chinese name."""
    if label == "audit.export":
        return "审计日志"
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return "其他对象"


def type_choices() -> list[tuple[str, str]]:
    """The object types a reader may filter by, by their Chinese names."""
    labels = [*TARGETS, "audit.export"]
    return sorted(((label, type_name(label)) for label in labels), key=lambda c: c[1])
