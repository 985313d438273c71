"""The performance evaluation page: the indicators with their targets and actual values (computed
or entered with evidence), the live score and grade, the stored evaluations and their reports.
Read by `projects.view` at the plan's owner (else 404); entering and evaluating are the
foundation's (`projects.evaluate`), refused by the services otherwise."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.core.views import refusals_to

from .. import evaluation, selectors
from ..forms.evaluation import ActualForm, EvaluateForm
from ..models import Evaluation, Indicator
from ..pdf import render_evaluation


def _page(request, project, *, forms=None, status=200):
    result = evaluation.scored(project)
    may_evaluate = selectors.may(request.user, "projects.evaluate", project) and (
        project.state in evaluation.EVALUABLE_STATES
    )
    forms = forms or {}
    indicators = {i.pk: i for i in project.indicators.select_related("entered_by")}
    rows = [
        (line, indicators[line.indicator_id],
         forms.get(line.indicator_id) or (ActualForm(prefix=f"i{line.indicator_id}", initial={
             "actual": line.actual, "evidence": line.evidence}) if not line.computed else None))
        for line in result.lines
    ]  # fmt: skip
    return render(
        request, "projects/evaluation/page.html",
        {
            "project": project, "result": result, "rows": rows, "may_evaluate": may_evaluate,
            "measures": evaluation.MEASURES,
            "evaluate_form": EvaluateForm(),
            "evaluations": project.evaluations.select_related("evaluated_by"),
        },
        status=status,
    )  # fmt: skip


@login_required
def evaluation_page(request, pk: int):
    return _page(request, selectors.plan_visible(request.user, pk))


@login_required
@require_POST
def indicator_actual(request, indicator_id: int):
    indicator = get_object_or_404(Indicator.objects.select_related("project__owner"), pk=indicator_id)
    project = selectors.plan_visible(request.user, indicator.project_id)
    form = ActualForm(request.POST, prefix=f"i{indicator.pk}")
    if form.is_valid():
        with refusals_to(form) as tried:
            evaluation.enter_actual(
                actor=Actor.from_request(request), indicator=indicator, actual=form.cleaned_data["actual"],
                evidence=form.cleaned_data["evidence"],
            )  # fmt: skip
        if tried.ok:
            messages.success(request, f"已填报“{indicator.name}”的实际值。")
            return redirect("projects:evaluation", pk=project.pk)
    return _page(request, project, forms={indicator.pk: form}, status=400)


@login_required
@require_POST
def evaluate(request, pk: int):
    """Store the evaluation; a refusal (or a conclusion too long) comes back as a message above the page."""
    project = selectors.plan_visible(request.user, pk)
    form = EvaluateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "评价结论：" + "；".join(form.errors["conclusion"]))
        return redirect("projects:evaluation", pk=pk)
    with refusals_to(request) as tried:
        stored = evaluation.evaluate(
            actor=Actor.from_request(request), project=project, conclusion=form.cleaned_data["conclusion"]
        )
    if tried.ok:
        messages.success(request, f"已完成绩效评价：{stored.score}分，{stored.get_grade_display()}。")
    return redirect("projects:evaluation", pk=pk)


@login_required
def evaluation_pdf(request, evaluation_id: int):
    stored = get_object_or_404(
        Evaluation.objects.select_related("project__owner", "project__fund_source", "evaluated_by"),
        pk=evaluation_id,
    )
    if not selectors.may(request.user, selectors.READ, stored.project):
        raise Http404
    response = HttpResponse(render_evaluation(stored), content_type="application/pdf")
    name = quote(f"绩效评价报告-{stored.project.code}-{stored.pk}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    return response
