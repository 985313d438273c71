from django.urls import path

from . import views
from .reports import views as report_views

app_name = "funds"
urlpatterns = [
    path("", views.balance_list, name="balances"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_new, name="source_new"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_new, name="agreement_new"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/terminate/", views.agreement_terminate, name="agreement_terminate"),
    path("agreements/<int:pk>/allocate/", views.allocation_new, name="allocation_new"),
    path("new/<slug:kind>/", views.movement_new, name="movement_new"),
    path("pass-throughs/", views.pass_through_list, name="pass_throughs"),
    path("pass-throughs/<int:pk>/return/", views.pass_through_return, name="pass_through_return"),
    path("transactions/", views.transaction_list, name="transactions"),
    path("transactions/<int:pk>/", views.transaction_detail, name="transaction"),
    path("transactions/<int:pk>/reverse/", views.transaction_reverse, name="transaction_reverse"),
]
# 业务及资金使用报表 and 年度专项检查 (reports/views.py).
_MONTHLY, _ANNUAL = "reports/<str:code>/<int:year>-<int:month>", "reports/annual/<str:code>/<int:year>"
urlpatterns += [
    path("reports/", report_views.report_index, name="reports"),
    path("reports/all/", report_views.reports_all, name="reports_all"),
    path(f"{_MONTHLY}/", report_views.monthly_report, name="report_monthly"),
    path(f"{_MONTHLY}/file/", report_views.monthly_report_file, name="report_file"),
    path(f"{_MONTHLY}/review/", report_views.monthly_report_review, name="report_review"),
    path(f"{_MONTHLY}.xlsx", report_views.monthly_report_xlsx, name="report_xlsx"),
    path(f"{_MONTHLY}.pdf", report_views.monthly_report_pdf, name="report_pdf"),
    path(f"{_ANNUAL}/", report_views.annual_report, name="report_annual"),
    path(f"{_ANNUAL}.xlsx", report_views.annual_report_xlsx, name="report_annual_xlsx"),
    path(f"{_ANNUAL}.pdf", report_views.annual_report_pdf, name="report_annual_pdf"),
]
