"""The pages of one's jobs: the list, a job with its progress bar and, once done, its result;
the small JSON the bar polls; the result file. Only the owner reaches them (selectors)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render

from bangfu.core.paging import page_without_count

from . import selectors
from .kinds import kind_of


@login_required
def job_list(request):
    jobs = page_without_count(selectors.jobs_of(user=request.user), request.GET.get("page"), per_page=20)
    return render(request, "jobs/list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk: int):
    job = selectors.job_get(user=request.user, pk=pk)
    kind = kind_of(job.kind)
    context = {"job": job, "kind": kind}
    if job.state == job.State.DONE and kind is not None:
        context["result_template"] = kind.result_template
        context.update(kind.result_context(job))
    return render(request, "jobs/detail.html", context)


@login_required
def job_status(request, pk: int):
    job = selectors.job_get(user=request.user, pk=pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.finished,
            "error": job.error,
        }
    )


@login_required
def job_file(request, pk: int):
    job = selectors.job_get(user=request.user, pk=pk)
    if job.state != job.State.DONE or not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name)
