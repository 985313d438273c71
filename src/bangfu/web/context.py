"""What every page needs: the navigation the user may use, and who they are."""

from bangfu.orgs.scope import has_perm

# (label, url name, permission needed: one, or a tuple of which any one will do)
NAVIGATION = [
    ("工作台", "home", None),
    ("家庭档案", "registry:list", "registry.view"),
    ("主动发现", "discovery:discovery", "discovery.visit"),
    ("个案帮扶", "cases:list", "cases.view"),
    ("个案看板", "cases:dashboard", "cases.view"),
    ("评审小组名册", "cases:roster", "cases.roster"),
    ("项目帮扶", "projects:list", "projects.view"),
    ("资金看板", "funds:dashboard", "funds.view"),
    ("资金账务", "funds:balances", "funds.view"),
    ("资金报表", "funds:reports", "funds.view"),
    ("帮扶政策", "policy:list", "policy.view"),
    ("审计日志", "audit:list", "audit.view"),
    # Who can start long work (a what-if, every district's reports) finds it again here.
    ("后台任务", "jobs:list", ("policy.view", "funds.view")),
]


def _may(user, perm) -> bool:
    if perm is None:
        return True
    return any(has_perm(user, p) for p in ((perm,) if isinstance(perm, str) else perm))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [(label, name) for label, name, perm in NAVIGATION if _may(user, perm)]
    assignments = list(user.role_assignments.select_related("org"))
    return {"nav_items": items, "my_roles": assignments}
