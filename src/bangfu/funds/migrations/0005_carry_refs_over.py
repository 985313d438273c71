"""Every text reference becomes the row it named: a project (or plan) is registered for each
code found on a fund source or a posting, with the code as its title until someone edits it,
and the source and its postings point at it.

- A project's owner was never recorded: the foundation, which registered the sources.
- A plan's department was never recorded either. When the plan's money was received from one
  department (the counterparty of its 职能部门经费到账, which names the department), that
  department; otherwise none (specific.Plan allows it for these carried-over plans only).

Postings are append-only and the database refuses their UPDATE (0002). This migration is the
one writer that may: the amounts, dates and accounts stay as they are; only the new column is
filled with what the old one already said, inside this migration's database transaction, and
the guard is back before it commits (`postings_writable`).
"""

from django.db import migrations

from ._guards import postings_writable

FOUNDATION = "SHBKHZ"


def _codes(FundSource, Posting, field: str) -> list[str]:
    found = set(FundSource.objects.exclude(**{field: ""}).values_list(field, flat=True))
    found |= set(Posting.objects.exclude(**{field: ""}).values_list(field, flat=True))
    return sorted(found)


def _department(apps, code: str):
    Organisation = apps.get_model("orgs", "Organisation")
    Transaction = apps.get_model("funds", "Transaction")
    names = set(
        Transaction.objects.filter(
            kind="department_funding", postings__fund_source__plan_ref=code
        ).values_list("counterparty", flat=True)
    )
    departments = list(Organisation.objects.filter(kind="department", name__in=names)[:2])
    return departments[0] if len(departments) == 1 else None


def carry_over(apps, schema_editor):
    FundSource = apps.get_model("funds", "FundSource")
    Posting = apps.get_model("funds", "Posting")
    Project = apps.get_model("projects", "Project")
    Plan = apps.get_model("specific", "Plan")
    projects = {}
    project_codes = _codes(FundSource, Posting, "project_ref")
    if project_codes:
        owner = apps.get_model("orgs", "Organisation").objects.get(code=FOUNDATION)
        for code in project_codes:
            projects[code], _ = Project.objects.get_or_create(
                code=code, defaults={"title": code, "owner": owner}
            )
    plans = {}
    for code in _codes(FundSource, Posting, "plan_ref"):
        plans[code], _ = Plan.objects.get_or_create(
            code=code, defaults={"title": code, "department": _department(apps, code)}
        )
    for code, project in projects.items():
        FundSource.objects.filter(project_ref=code).update(project=project)
    for code, plan in plans.items():
        FundSource.objects.filter(plan_ref=code).update(plan=plan)
    if not Posting.objects.exclude(project_ref="", plan_ref="").exists():
        return
    with postings_writable(schema_editor):
        for code, project in projects.items():
            Posting.objects.filter(project_ref=code).update(project=project)
        for code, plan in plans.items():
            Posting.objects.filter(plan_ref=code).update(plan=plan)


def carry_back(apps, schema_editor):
    """Undone: the references are the codes again (the rows stay until their app is undone)."""
    FundSource = apps.get_model("funds", "FundSource")
    Posting = apps.get_model("funds", "Posting")
    for project in apps.get_model("projects", "Project").objects.all():
        FundSource.objects.filter(project=project).update(project_ref=project.code)
    for plan in apps.get_model("specific", "Plan").objects.all():
        FundSource.objects.filter(plan=plan).update(plan_ref=plan.code)
    if not Posting.objects.exclude(project=None, plan=None).exists():
        return
    with postings_writable(schema_editor):
        for project in (
            apps.get_model("projects", "Project").objects.filter(postings__isnull=False).distinct()
        ):
            Posting.objects.filter(project=project).update(project_ref=project.code)
        for plan in apps.get_model("specific", "Plan").objects.filter(postings__isnull=False).distinct():
            Posting.objects.filter(plan=plan).update(plan_ref=plan.code)


class Migration(migrations.Migration):
    dependencies = [("funds", "0004_project_plan_references"), ("orgs", "0002_load_network")]
    operations = [migrations.RunPython(carry_over, carry_back)]
