from django.urls import path

from . import dashboard, pdf, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/<int:household_pk>/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/do/<slug:action>/", views.case_action, name="action"),
    path("<int:pk>/invoices/", views.invoice_add, name="invoice_add"),
    path("<int:pk>/invoices/<int:invoice_pk>/remove/", views.invoice_remove, name="invoice_remove"),
    path("<int:pk>/invoices/<int:invoice_pk>/override/", views.invoice_override, name="invoice_override"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/follow-ups/<int:follow_up_pk>/assign/", views.follow_up_assign, name="follow_up_assign"),
    path("<int:pk>/forms/<slug:form>.pdf", pdf.case_form_pdf, name="pdf"),
    path("dashboard/", dashboard.case_dashboard_page, name="dashboard"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("panel/", views.panel_roster, name="roster"),
    path("<int:pk>/pre-review/", views.pre_review_submit, name="pre_review_submit"),
    path("<int:pk>/pre-review/remarks/", views.pre_review_remark, name="pre_review_remark"),
]
