"""Project aid's addresses under /projects/, one module per part of the procedure."""

from . import audit, batches, enrolment, evaluation, plans, verification

app_name = "projects"

urlpatterns = (
    plans.urlpatterns
    + enrolment.urlpatterns
    + batches.urlpatterns
    + verification.urlpatterns
    + evaluation.urlpatterns
    + audit.urlpatterns
)
