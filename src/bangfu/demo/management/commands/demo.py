"""`bangfu demo`: demo logins for every role, a few hundred invented households, and a year
of fund flows with paid cases (`bangfu.demo.funds`).

Run by `python3 dev.py start` after `migrate`. Safe to run again: what exists is left
as it is (a password changed since is not reset), and the logins are printed each time.
"""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.demo.households import synth_load, synth_streets
from bangfu.orgs.models import Organisation, OrgKind, User
from bangfu.orgs.network import BUREAU, FOUNDATION
from bangfu.orgs.roles import Role
from bangfu.orgs.services import user_create
from bangfu.registry.models import Household

DEMO_PASSWORD = "bangfu-demo-2025"  # noqa: S105 - public on purpose: printed for every demo login
DEMO_HOUSEHOLDS = 300
# Ends in 0: a later `bangfu synth` with a seed ending in another digit cannot clash
# with the demo's ID numbers (the last digit of the seed picks the sequence-code band).
DEMO_SEED = 20250

# A department that commissions specific aid (SPEC §4); no division code, so one of ours.
DEPARTMENT = ("DEPT-SHWJW", "上海市卫生健康委员会")

HUAYANG, JIANGSU, NANJING_EAST = "310105001", "310105002", "310101002"
DEMO_STREETS = (HUAYANG, JIANGSU, NANJING_EAST)

_STREET_ROLES = (
    (Role.INTAKE, "intake"),
    (Role.ASSESSOR, "assessor"),
    (Role.PANEL_MEMBER, "panel"),
    (Role.STREET_APPROVER, "approver"),
    (Role.CASHIER, "cashier"),
    (Role.VOLUNTEER, "volunteer"),
)

# username, full name, role, organisation code (is_staff for the system and security admins).
DEMO_USERS = (
    *(
        (f"{prefix}_{suffix}", name, role, street)
        for prefix, street, names in (
            ("cn_hy", HUAYANG, "王建华 陈丽萍 周志强 顾美娟 沈卫东 陆佳怡"),
            ("cn_js", JIANGSU, "徐海燕 朱国平 吴晓红 钱永明 孙慧敏 胡浩然"),
            ("hp_njd", NANJING_EAST, "姚文杰 戴红梅 潘建军 蔡雅琴 曹立伟 施雨桐"),
        )
        for (role, suffix), name in zip(_STREET_ROLES, names.split(), strict=True)
    ),
    ("cn_approver", "张国华", Role.DISTRICT_APPROVER, "310105"),
    ("cn_finance", "李秀芳", Role.DISTRICT_FINANCE, "310105"),
    ("cn_auditor", "金志明", Role.AUDITOR, "310105"),
    ("hp_approver", "汪德明", Role.DISTRICT_APPROVER, "310101"),
    ("hp_finance", "范春燕", Role.DISTRICT_FINANCE, "310101"),
    ("fd_officer", "赵文彬", Role.FOUNDATION_OFFICER, FOUNDATION[0]),
    ("fd_reviewer", "陈思远", Role.FOUNDATION_OFFICER, FOUNDATION[0]),  # the second officer on foundation plans
    ("fd_finance", "许静芬", Role.FOUNDATION_FINANCE, FOUNDATION[0]),
    ("bureau_supervisor", "刘卫国", Role.SUPERVISOR, BUREAU[0]),
    ("city_auditor", "俞惠娟", Role.AUDITOR, BUREAU[0]),
    ("sysadmin", "倪俊杰", Role.SYSADMIN, BUREAU[0]),
    ("secadmin", "严佩琳", Role.SECURITY_ADMIN, BUREAU[0]),
    ("dept_wjw", "邵丽华", Role.DEPARTMENT_OFFICER, DEPARTMENT[0]),
)


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "创建演示账号（每个角色一个）、数百户虚构的家庭档案和一年的资金流水，并列出登录信息。可重复运行。"

    def handle(self, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境（BANGFU_ENV=production）不能加载演示数据：演示账号的密码是公开的。")
        actor = Actor.system("demo")
        with transaction.atomic():
            self._department(actor)
            created = self._users(actor)
        households = self._households(actor)
        self._print_logins(created, households)
        self._funds()

    def _department(self, actor: Actor) -> Organisation:
        org = Organisation.objects.filter(code=DEPARTMENT[0]).first()
        if org is None:
            org = Organisation(
                code=DEPARTMENT[0],
                name=DEPARTMENT[1],
                kind=OrgKind.DEPARTMENT,
                parent=Organisation.objects.get(code=BUREAU[0]),
            )
            org.full_clean()
            org.save()
            audit_record(
                actor=actor,
                action="create",
                target=org,
                after={"code": org.code, "name": org.name, "kind": org.kind},
            )
        return org

    def _users(self, actor: Actor) -> int:
        existing = set(
            User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list("username", flat=True)
        )
        created = 0
        for username, full_name, role, code in DEMO_USERS:
            if username in existing:
                continue
            user = user_create(
                actor=actor,
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                roles=[(role, code)],
            )
            if role in (Role.SYSADMIN, Role.SECURITY_ADMIN):
                # The Django admin is where accounts, configuration and roles are managed;
                # staff only, never superuser: what each may do there comes from its role.
                user.is_staff = True
                user.save(update_fields=["is_staff"])
                audit_record(actor=actor, action="update", target=user, after={"is_staff": True})
            created += 1
        return created

    def _households(self, actor: Actor) -> int | None:
        """Create the demo households unless the demo streets already have some; their number if created."""
        if Household.objects.filter(street__code__in=DEMO_STREETS).exists():
            return None
        streets = [s for s in synth_streets() if s.code in DEMO_STREETS]
        synth_load(seed=DEMO_SEED, households=DEMO_HOUSEHOLDS, streets=streets, actor=actor, workers=0)
        return DEMO_HOUSEHOLDS

    def _funds(self) -> None:
        """A year of fund flows and paid cases (bangfu.demo.funds), once."""
        from bangfu.demo.funds import demo_funds

        summary = demo_funds()
        if summary is None:
            self.stdout.write("演示资金流水：已存在，未再生成。")
            return
        for line in summary.lines():
            self.stdout.write(line)

    def _print_logins(self, created: int, households: int | None) -> None:
        orgs = dict(
            Organisation.objects.filter(code__in={u[3] for u in DEMO_USERS}).values_list("code", "name")
        )
        out = self.stdout
        out.write(f"演示账号：新建 {created} 个，共 {len(DEMO_USERS)} 个。")
        if households:
            out.write(
                f"演示家庭档案：新建 {households} 户（华阳路街道、江苏路街道、南京东路街道，均为虚构）。"
            )
        else:
            out.write("演示家庭档案：演示街镇已有档案，未再生成。")
        header = ("用户名", "密码", "角色", "组织", "姓名")
        rows = [
            (username, DEMO_PASSWORD, Role(role).label, orgs[code], full_name)
            for username, full_name, role, code in DEMO_USERS
        ]
        widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
        out.write("")
        for row in (header, tuple("-" * w for w in widths), *rows):
            out.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write("")
        out.write(
            f"所有演示账号的密码均为 {DEMO_PASSWORD}；sysadmin 可进入 /admin/ 管理账号与配置，"
            "secadmin 在 /admin/ 的用户页面授予和撤销角色。"
        )
