"""Roles (SPEC §1) and what each may do: one table to read against the specification.

A user holds roles per organisation. A permission held at an organisation reaches
that organisation and everything below it (scope).
"""

from django.db import models


class Role(models.TextChoices):
    INTAKE = "intake", "受理员"
    ASSESSOR = "assessor", "救助顾问/评估员"
    PANEL_MEMBER = "panel_member", "评审小组成员"
    STREET_APPROVER = "street_approver", "工作组负责人"
    CASHIER = "cashier", "发放员"
    DISTRICT_APPROVER = "district_approver", "区服务社审批"
    DISTRICT_FINANCE = "district_finance", "区财务"
    FOUNDATION_OFFICER = "foundation_officer", "基金会项目官员"
    FOUNDATION_FINANCE = "foundation_finance", "基金会财务"
    SUPERVISOR = "supervisor", "民政局监管"
    AUDITOR = "auditor", "审计"
    SYSADMIN = "sysadmin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    DEPARTMENT_OFFICER = "department_officer", "职能部门专员"
    VOLUNTEER = "volunteer", "志愿者"


# Which organisation kinds a role may be held at (SPEC §1, "Org" column).
ROLE_ORG_KINDS: dict[str, set[str]] = {
    Role.INTAKE: {"street"},
    Role.ASSESSOR: {"street", "committee"},
    Role.PANEL_MEMBER: {"street"},
    Role.STREET_APPROVER: {"street"},
    Role.CASHIER: {"street"},
    Role.DISTRICT_APPROVER: {"district"},
    Role.DISTRICT_FINANCE: {"district"},
    Role.FOUNDATION_OFFICER: {"foundation"},
    Role.FOUNDATION_FINANCE: {"foundation"},
    Role.SUPERVISOR: {"bureau"},
    Role.AUDITOR: {"bureau", "foundation", "district", "street"},
    Role.SYSADMIN: {"bureau", "foundation", "district", "street"},
    Role.SECURITY_ADMIN: {"bureau", "foundation", "district", "street"},
    Role.DEPARTMENT_OFFICER: {"department"},
    Role.VOLUNTEER: {"street"},
}

_STAFF_READING_PERSONAL_DATA = {
    Role.INTAKE, Role.ASSESSOR, Role.PANEL_MEMBER, Role.STREET_APPROVER, Role.CASHIER,
    Role.DISTRICT_APPROVER, Role.DISTRICT_FINANCE, Role.FOUNDATION_OFFICER, Role.FOUNDATION_FINANCE,
    Role.SUPERVISOR, Role.AUDITOR,
}  # fmt: skip

# permission -> roles that grant it. Supervisor and auditor only ever read; the
# system admin manages accounts and configuration, the security admin grants and
# withdraws roles; neither sees personal data.
PERMISSIONS: dict[str, set[str]] = {
    "registry.view": _STAFF_READING_PERSONAL_DATA,
    "registry.edit": {Role.INTAKE, Role.ASSESSOR},
    "registry.merge": {Role.INTAKE, Role.STREET_APPROVER, Role.DISTRICT_APPROVER},
    "registry.reveal": {
        Role.INTAKE,
        Role.ASSESSOR,
        Role.STREET_APPROVER,
        Role.CASHIER,
        Role.DISTRICT_APPROVER,
        Role.SUPERVISOR,
        Role.AUDITOR,
    },
    "audit.view": {Role.AUDITOR, Role.SUPERVISOR},
    "policy.view": _STAFF_READING_PERSONAL_DATA | {Role.DEPARTMENT_OFFICER},
    "policy.draft": {Role.DISTRICT_APPROVER, Role.DISTRICT_FINANCE},
    "policy.publish": {Role.DISTRICT_APPROVER},
    "users.manage": {Role.SYSADMIN},
    "roles.grant": {Role.SECURITY_ADMIN},
    # Case aid (SPEC §5): each step by the role SPEC §1 gives it.
    "cases.view": _STAFF_READING_PERSONAL_DATA,
    "cases.intake": {Role.INTAKE},
    "cases.investigate": {Role.ASSESSOR},
    "cases.review": {Role.PANEL_MEMBER},
    # 评审小组名册: kept by the street's working group head and its panel (四(三)).
    "cases.roster": {Role.PANEL_MEMBER, Role.STREET_APPROVER},
    "cases.approve_street": {Role.STREET_APPROVER},
    "cases.approve_district": {Role.DISTRICT_APPROVER},
    "cases.pay": {Role.CASHIER},
    "cases.follow_up": {Role.ASSESSOR},
    "discovery.visit": {Role.ASSESSOR},
    # Funds and the ledger (SPEC §7): district finance keeps the district's and its streets'
    # accounts; the foundation's officer (agreements, allocations) and finance (fees) the city's.
    "funds.view": {
        Role.STREET_APPROVER,
        Role.CASHIER,
        Role.DISTRICT_APPROVER,
        Role.DISTRICT_FINANCE,
        Role.FOUNDATION_OFFICER,
        Role.FOUNDATION_FINANCE,
        Role.SUPERVISOR,
        Role.AUDITOR,
    },
    "funds.manage_district": {Role.DISTRICT_FINANCE},
    "funds.manage_foundation": {Role.FOUNDATION_OFFICER, Role.FOUNDATION_FINANCE},
    # 业务及资金使用报表 (沪民救发〔2025〕1号 四(二)): the street's working group files the street's,
    # district finance the district's; the level above reviews (street → district → foundation).
    "funds.report_file_street": {Role.STREET_APPROVER},
    "funds.report_file_district": {Role.DISTRICT_FINANCE},
    "funds.report_review_street": {Role.DISTRICT_FINANCE},
    "funds.report_review_district": {Role.FOUNDATION_FINANCE},
    # Project aid (SPEC §4, 沪民救发〔2025〕1号 二(二), 四(一)). A plan is its owner's: read by the
    # owner's staff and those above (the foundation and the bureau see all); a street reads the
    # enrolments and deliveries of its own households (on the household file).
    "projects.view": {
        Role.DISTRICT_APPROVER,
        Role.DISTRICT_FINANCE,
        Role.FOUNDATION_OFFICER,
        Role.FOUNDATION_FINANCE,
        Role.SUPERVISOR,
        Role.AUDITOR,
    },
    # Draw up a plan and submit it: the district approver files the district's (报基金会备案),
    # the foundation officer drafts the foundation's.
    "projects.plan": {Role.DISTRICT_APPROVER, Role.FOUNDATION_OFFICER},
    # Accept or return a district's filing; approve another officer's foundation plan.
    "projects.file": {Role.FOUNDATION_OFFICER},
    # Enrol households: the plan's owner, and a street's intake worker from the household file
    # (the household's street within the plan's area).
    "projects.enrol": {Role.DISTRICT_APPROVER, Role.FOUNDATION_OFFICER, Role.INTAKE},
    # Prepare, approve (four eyes: never the preparer) and deliver batches, at the plan's owner.
    "projects.batch": {
        Role.DISTRICT_APPROVER,
        Role.DISTRICT_FINANCE,
        Role.FOUNDATION_OFFICER,
        Role.FOUNDATION_FINANCE,
    },
    # Delivery verification: drawn by the plan's owner, checked by visit or phone.
    "projects.verify": {Role.DISTRICT_APPROVER, Role.FOUNDATION_OFFICER},
    # 绩效评价 and 项目审计 are the foundation's (四(一)).
    "projects.evaluate": {Role.FOUNDATION_OFFICER, Role.FOUNDATION_FINANCE},
    "projects.audit": {Role.FOUNDATION_OFFICER, Role.FOUNDATION_FINANCE, Role.SUPERVISOR, Role.AUDITOR},
}

READ_ONLY_ROLES = {Role.SUPERVISOR, Role.AUDITOR}

# The three administrators (三员: 系统管理员、安全管理员、审计员; GB/T 22239-2019 8.1.4) are
# different people: an account holding one of these roles holds nothing else, so no
# account is two of them and no administrator also does (or reads) the casework.
ADMINISTRATOR_ROLES = {Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
