"""The one describer of audit rows: who did what to which object, and what changed, in Chinese.

A row keeps its data as the service wrote it (`{'kind': 'reversal', 'postings': [...]}`): keys
that are the model's field names, values as JSON holds them (codes, primary keys, ISO dates,
amounts as text). Here each key becomes the field's Chinese label (`verbose_name`), each value
what people read: a choice by its display, an amount by `format_yuan`, a date by `shown_date`,
an organisation by its name, a household by its file number, a person by name only within the
reader's scope. A key no model knows gets a label from `KEY_LABELS` or stays as it is; no value
is ever shown as Python's repr. The page and the export read the same `Described` rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from bangfu.core.dates import cn_datetime, shown_date
from bangfu.core.money import format_yuan
from bangfu.orgs.scope import scope_for

from .models import AuditEntry
from .services import ACTION_LABELS, PARAMETER_LABELS
from .targets import TARGETS, Named, type_name

# The model whose fields name an action's data, where it is not the row's target's.
DATA_MODELS = {
    "upload": "cases.Document",
    "invoice.add": "cases.Invoice",
    "invoice.remove": "cases.Invoice",
    "invoice.override": "cases.Invoice",
    "case.pre_review": "cases.PreReview",
    "discovery.visit": "discovery.ScreeningVisit",
    "discovery.lead": "discovery.Lead",
    "grant": "orgs.RoleAssignment",
    "withdraw": "orgs.RoleAssignment",
}

# Keys that are no model field: what the services call them.
KEY_LABELS = {
    "id_ref": "身份证号码（变更标识）",
    "birth_year": "出生年份",
    "birth_date": "出生年份",
    "role_label": "角色",
    "org_name": "组织",
    "user": "用户",
    "username": "账号",
    "assigned_to": "回访人",
    "postings": "分录",
    "values": "参数取值",
    "figures": "报表数据",
    "filings": "报送次数",
    "remarks": "审核意见",
    "invoice": "发票",
    "self_paid": "自负金额",
    "proposed_amount": "建议帮扶金额",
    "approved_amount": "核定金额",
    "pre_review": "预审表",
    "remark": "预审意见",
    "document": "材料",
    "field": "查看项",
    "merged_into_person": "合并至成员",
    "merged_from": "由档案合并而来",
    "moved_people": "迁入成员数",
    "folded_people": "合并的同一人数",
    "categories": "转入类别数",
    "households": "户数",
    "persons": "人数",
    "seed": "随机种子",
    "cases": "个案数",
    "from": "起始日期",
    "to": "截止日期",
    "period": "期限",
    "revoked": "已吊销",
    "is_staff": "可进入后台",
    "expires_at": "到期时间",
    "signed_on": "签订日期",
    "filters": "筛选条件",
    "rows": "导出条数",
    "project": "项目",
    # Project aid's rows: enrolment, batches, verification, the indicators and their evaluation.
    "via": "纳入方式",
    "enrolled": "纳入户数",
    "refused": "未纳入户数（按原因）",
    "day": "日期",
    "items": "明细数",
    "not_eligible": "经复核不符合条件户数",
    "delivered": "已发放户数",
    "undelivered": "未发放户数",
    "money": "资金金额",
    "transaction": "记账凭证",
    "pool": "可抽取明细数",
    "pool_ranges": "可抽取明细编号",
    "drawn": "抽取明细数",
    "item": "发放明细",
    "missing": "未填实际值的指标",
    "weights": "绩效评价权重",
    "targets": "指标目标值（按指标编号）",
    "decision": "决策",
    "process": "过程",
    "output": "产出",
    "benefit": "效益",
    "satisfaction": "满意度",
    # A plan's target group (projects.targets.Target), as its saved query keeps it.
    "areas": "地区",
    "age_min": "最低年龄",
    "age_max": "最高年龄",
    "serious_illness": "患大病",
    "disability": "残疾",
    "lost_work_capacity": "丧失劳动能力",
    "size_min": "家庭人数下限",
    "size_max": "家庭人数上限",
    "plan": "特定帮扶计划",
    "donor": "捐赠方",
    "code": "代码",
    "name": "名称",
    "title": "标题",
    "kind": "类别",
    "status": "状态",
    "amount": "金额",
    "date": "日期",
    "memo": "摘要",
    "note": "备注",
}
# Where the field's own label would mislead: a new account's row shows the person, not the login.
LABEL_OVERRIDES = {"username": "用户"}
MONEY_KEYS = {
    "amount", "self_paid", "proposed_amount", "approved_amount", "total", "reimbursed", "value", "money",
}  # fmt: skip
# Decimal fields that are no amount: hours, a score, an indicator's target, actual value and weight.
PLAIN_DECIMALS = {"hours", "score", "target", "actual", "weight", "share"}
REVEALED = {"id_number": "身份证号码", "bank_account": "银行账号"}
# The fields of the audit log's own filter (its export rows).
FILTER_LABELS = {
    "date_from": "起始日期",
    "date_to": "截止日期",
    "actor": "操作者",
    "org": "组织",
    "type": "对象类型",
    "action": "操作",
    "id": "对象编号",
}

# Commands and background jobs that act on their own (`Actor.system(label)`).
SYSTEM_ACTORS = {
    "funds.payment_post": "系统（发放后自动记账）",
    "funds.sweep_pending_payments": "系统（补记未入账的发放）",
    "migration": "系统（数据迁移）",
    "demo": "系统（演示数据）",
    "synth": "系统（合成数据）",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.+\-Z]*)?$")
ISO_IN_TEXT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PARAMETER_NAME = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")
PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")


# Fields whose values are codes people copy, not words (a policy version's code is lower-case latin).
CODE_KEYS = frozenset({"code"})


@dataclass
class Change:
    label: str
    before: str | None = None  # None: the row keeps no value before
    after: str | None = None  # None: the row keeps no value after
    code: bool = False  # the values are codes (a policy version's), not words: marked translate="no"

    @property
    def text(self) -> str:
        if self.before is not None and self.after is not None:
            return f"{self.label}：{self.before} → {self.after}"
        return f"{self.label}：{self.after if self.after is not None else self.before}"


@dataclass
class Described:
    entry: AuditEntry
    at: str
    actor: str
    action: str
    object_type: str
    object_name: str
    object_url: str = ""
    changes: list[Change] = field(default_factory=list)
    note: str = ""

    @property
    def changes_text(self) -> str:
        return "；".join(c.text for c in self.changes)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or "其他操作"


class _Lookups:
    """What the rows refer to, fetched in one query per kind: the describer runs twice over a
    page, first only noting what it will need (`collecting`), then reading it."""

    def __init__(self, user):
        self.user = user
        self.collecting = True
        self.wanted: dict[str, set[str]] = {}
        self.found: dict[str, dict] = {}
        self._scopes: dict[str, object] = {}

    def _get(self, space: str, key) -> object | None:
        if key in (None, ""):
            return None
        if self.collecting:
            self.wanted.setdefault(space, set()).add(str(key))
            return None
        return self.found.get(space, {}).get(str(key))

    def fetch(self) -> None:
        self.collecting = False
        Organisation, User = apps.get_model("orgs.Organisation"), apps.get_model("orgs.User")
        RoleAssignment = apps.get_model("orgs.RoleAssignment")
        for space, keys in self.wanted.items():
            if space == "org":
                ids = [int(k) for k in keys if k.isdigit()]
                rows = Organisation.objects.filter(pk__in=ids).values_list("pk", "name")
                self.found[space] = {str(pk): name for pk, name in rows}
            elif space == "policy_code":
                Policy = apps.get_model("policy.Policy")
                self.found[space] = dict(Policy.objects.filter(code__in=keys).values_list("code", "title"))
            elif space == "org_code":
                self.found[space] = dict(
                    Organisation.objects.filter(code__in=keys).values_list("code", "name")
                )
            elif space == "username":
                rows = User.objects.filter(username__in=keys).values_list("username", "full_name")
                self.found[space] = {u: name or "（未填姓名的用户）" for u, name in rows}
            elif space == "roles":
                ids = [int(k) for k in keys if k.isdigit()]
                roles: dict[str, list[str]] = {}
                for ra in RoleAssignment.objects.filter(user_id__in=ids).select_related("org").order_by("pk"):
                    roles.setdefault(str(ra.user_id), []).append(f"{ra.org.name} {ra.get_role_display()}")
                self.found[space] = roles
            elif space == "source_code":
                model = apps.get_model("funds.FundSource")
                self.found[space] = dict(model.objects.filter(code__in=keys).values_list("code", "name"))
            elif space in TARGETS:
                self.found[space] = TARGETS[space].fetch(sorted(keys))

    def org(self, value) -> str:
        """An organisation by its primary key (an int, as the snapshots keep a foreign key) or
        by its code (a string, as the ledger's postings and the policies keep it)."""
        name = self._get("org", value) if isinstance(value, int) else self._get("org_code", value)
        return name or str(value)

    def user_name(self, username) -> str:
        return self._get("username", username) or "（已删除的用户）"

    def roles(self, user_id) -> list[str]:
        return self._get("roles", user_id) or []

    def source(self, code) -> str:
        return self._get("source_code", code) or str(code)

    def named(self, label: str, pk, org_id) -> tuple[str, str]:
        """(name, url) of an object as this reader may see it."""
        found: Named | None = self._get(label, pk)
        if found is None:
            return "", ""
        target = TARGETS[label]
        allowed = target.perm is None or self._allows(target.perm, found.org_id or org_id)
        if not allowed:
            return found.name, ""
        return found.private_name or found.name, found.url

    def _allows(self, perm: str, org_id) -> bool:
        if perm not in self._scopes:
            self._scopes[perm] = scope_for(self.user, perm)
        scope = self._scopes[perm]
        return scope.city_wide or (org_id is not None and scope.allows(org_id))


def describe_entries(entries, *, user) -> list[Described]:
    """The rows as `user` may read them (names and links within their scope)."""
    entries = list(entries)
    lookups = _Lookups(user)
    for e in entries:
        _describe(e, lookups)
    lookups.fetch()
    return [_describe(e, lookups) for e in entries]


def _describe(e: AuditEntry, lk: _Lookups) -> Described:
    name, url = "", ""
    if e.target_type in TARGETS and e.target_id:
        name, url = lk.named(e.target_type, e.target_id, e.org_id)
    if not name:
        name = _fallback_name(e)
    changes = _changes(e, lk)
    note = _readable_note(e.note, lk)
    if e.action in ("grant", "withdraw"):
        note = _role_sentence(e, lk)
    return Described(
        entry=e,
        at=cn_datetime(e.at),
        actor=_actor(e, lk),
        action=action_label(e.action),
        object_type=type_name(e.target_type),
        object_name=name,
        object_url=url,
        changes=changes,
        note=note,
    )


# A policy version's code inside a note (`changning-2016`): lower-case latin joined by hyphens.
POLICY_CODE_IN_TEXT = re.compile(r"(?<![\w.-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![\w.-])")


def _readable_note(note: str, lk: _Lookups) -> str:
    """A stored note as people read it: its ISO dates and parameter names (the policy service's
    "参数 medical.rate.other 自 2027-01-01 起取值 0.50。") in Chinese, a policy version's code by its
    title (《…》); the row itself is unchanged."""
    note = ISO_IN_TEXT.sub(lambda m: shown_date(m.group(0)), note)
    note = PARAMETER_NAME.sub(lambda m: PARAMETER_LABELS.get(m.group(0), m.group(0)), note)
    return POLICY_CODE_IN_TEXT.sub(lambda m: _policy_title(m.group(0), lk), note)


def _policy_title(code: str, lk: _Lookups) -> str:
    title = lk._get("policy_code", code)
    return f"《{title}》" if title else code


def _fallback_name(e: AuditEntry) -> str:
    """An object the log knows no name for (deleted since, or of a kind without a row in
    `TARGETS`): its kind, and its stored name only where that is no resident's name."""
    if e.target_type == "audit.export":
        return "审计日志"
    if e.target_type.startswith("registry.") or e.target_type.startswith("cases."):
        return f"{type_name(e.target_type)}（已不存在）"
    if e.target_type == "orgs.user" and not e.target_id:
        return "不存在的账号"
    return e.target_repr or type_name(e.target_type)


def _actor(e: AuditEntry, lk: _Lookups) -> str:
    label = e.actor_label or ""
    if e.user_id:
        name = e.user.full_name or "（未填姓名的用户）"
        roles = lk.roles(e.user_id)
        shown = "、".join(roles[:2]) + ("等" if len(roles) > 2 else "")
        via = "（命令行）" if label.endswith("@cli") else ""
        return f"{name}（{shown}）{via}" if shown else f"{name}{via}"
    if label.startswith("system:"):
        return SYSTEM_ACTORS.get(label.removeprefix("system:"), "系统（后台任务）")
    if e.action in ("login_failed", "lockout", "login"):
        return "未登录的访问者"
    return "匿名"


def _role_sentence(e: AuditEntry, lk: _Lookups) -> str:
    row = e.after if e.action == "grant" else e.before
    if not isinstance(row, dict):
        return e.note
    verb = "授予" if e.action == "grant" else "撤销"
    who = lk.user_name(row.get("user"))
    return f"{verb} {who} {row.get('org_name') or lk.org(row.get('org'))}的“{row.get('role_label', '')}”角色"


def _data_model(e: AuditEntry):
    label = DATA_MODELS.get(e.action) or e.target_type
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _changes(e: AuditEntry, lk: _Lookups) -> list[Change]:
    model = _data_model(e)
    before = e.before if isinstance(e.before, dict) else ({} if e.before is None else {"": e.before})
    after = e.after if isinstance(e.after, dict) else ({} if e.after is None else {"": e.after})
    keys = sorted(dict.fromkeys([*after, *before]), key=lambda k: _rank(model, k))
    out, unchanged = [], []
    for key in keys:
        if e.action in ("grant", "withdraw"):
            break  # the sentence in the note says it all
        label = _label(model, key)
        if key == "postings" and isinstance(after.get(key), list) and e.after is not None:
            # One line per posting: a transaction reads as its journal lines.
            out.extend(Change(_label(model, key), None, line) for line in _posting_lines(after[key], lk))
            continue
        if key == "values" and key in before and key in after:
            out.extend(_policy_value_changes(before[key], after[key]))
            continue
        if key == "id_ref":
            # A prefix of the ID number's keyed hash: it says only that a number was corrected
            # (the masked numbers before and after may look the same).
            corrected = key in before and key in after and before[key] != after[key]
            if corrected and before.get("id_number") == after.get("id_number"):
                out.append(Change(_label(model, "id_number"), None, "已更正"))
            continue
        has_before, has_after = key in before and e.before is not None, key in after and e.after is not None
        old = _value(model, key, before.get(key), lk) if has_before else None
        new = _value(model, key, after.get(key), lk) if has_after else None
        code = key in CODE_KEYS
        if has_before and has_after:
            if before.get(key) == after.get(key):
                unchanged.append(Change(label, None, f"{new}（未变）"))
                continue
            out.append(Change(label, old, new, code))
        elif has_after:
            if after.get(key) in (None, "", [], {}, False):
                continue  # a new row's empty and "no" fields say nothing
            out.append(Change(label, None, new, code))
        else:
            if before.get(key) in (None, "", [], {}):
                continue
            out.append(Change(label, old, None, code) if e.after is None else Change(label, old, "—", code))
    # A row that kept the same values on both sides (written the old way) still says what it held.
    return out or unchanged


_KEY_ORDER = {key: i for i, key in enumerate([*FILTER_LABELS, *KEY_LABELS])}


def _rank(model, key: str) -> int:
    """The model's field order, then the order of the tables above: PostgreSQL's jsonb keeps
    no key order, and a row must read the same on every database."""
    fields = [f.name for f in model._meta.fields] if model is not None else []
    f = _field(model, key)
    if f is not None and f.name in fields:
        return fields.index(f.name)
    return len(fields) + _KEY_ORDER.get(key, len(_KEY_ORDER))


def _field(model, key: str):
    if model is None or not key:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
    return None


def _label(model, key: str) -> str:
    if not key:
        return "内容"
    if key in LABEL_OVERRIDES:
        return LABEL_OVERRIDES[key]
    f = _field(model, key)
    if f is not None and getattr(f, "verbose_name", None) and not f.auto_created:
        return str(f.verbose_name)
    return _key_label(key)


def _key_label(key: str) -> str:
    return KEY_LABELS.get(key) or FILTER_LABELS.get(key) or key


def _value(model, key: str, value, lk: _Lookups) -> str:
    if value is None or value == "":
        return "—"
    if key == "postings" and isinstance(value, list):
        return "；".join(_posting_lines(value, lk))
    if key == "filters" and isinstance(value, dict):
        return _filters(value, lk)
    if key == "figures":
        return "报送时的报表数据快照"
    if key == "values" and isinstance(value, list):
        return f"共 {len(value)} 项参数取值"
    if key in ("birth_date", "birth_year"):
        return f"{str(value)[:4]}年"
    if key == "merged_into_person":
        return lk.named("registry.person", value, None)[0] or "家庭成员"
    if key == "field" and value in REVEALED:
        return REVEALED[value]
    if key in ("user", "assigned_to", "username") and isinstance(value, str):
        return lk.user_name(value)
    if key == "period" and isinstance(value, str) and PERIOD.match(value):
        start, end = PERIOD.match(value).groups()
        return f"{shown_date(start)}至{shown_date(end)}"
    f = _field(model, key)
    if f is not None:
        shown = _field_value(f, value, lk)
        if shown is not None:
            return shown
    if key in MONEY_KEYS:
        return _money(value)
    return _plain(value)


def _field_value(f, value, lk: _Lookups) -> str | None:
    if getattr(f, "flatchoices", None):
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return "是" if value else "否"
    if isinstance(f, models.DateTimeField):
        return shown_date(value) if isinstance(value, str) else cn_datetime(value)
    if isinstance(f, models.DateField):
        return shown_date(value)
    if isinstance(f, models.DecimalField):
        return _plain(value) if f.name in PLAIN_DECIMALS else _money(value)
    if isinstance(f, models.ForeignKey):
        related = f.related_model._meta.label_lower
        if related == "orgs.organisation":
            return lk.org(value)
        if related == "funds.fundsource" and isinstance(value, str) and not value.isdigit():
            return lk.source(value)
        if related in TARGETS and (isinstance(value, int) or str(value).isdigit()):
            name, _ = lk.named(related, value, None)
            return name or f"{f.related_model._meta.verbose_name}（已不存在）"
        return str(value)
    return None


def _money(value) -> str:
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _plain(value) -> str:
    """Any JSON value as a sentence: never Python's repr."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if ISO_DATE.match(value):
            return shown_date(value)
        return ISO_IN_TEXT.sub(lambda m: shown_date(m.group(0)), value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "；".join(f"{_key_label(k)}：{_plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def _posting_lines(lines: list, lk: _Lookups) -> list[str]:
    """[org code, source code, account, amount, case id, project, plan] per line (funds._write)."""
    Posting = apps.get_model("funds.Posting")
    accounts = dict(Posting._meta.get_field("account").flatchoices)
    out = []
    for line in lines:
        if not isinstance(line, list | tuple) or len(line) < 4:
            out.append(_plain(line))
            continue
        org, source, account, amount = line[:4]
        text = f"{lk.org(org)} {lk.source(source)} {accounts.get(account, account)} {_money(amount)}"
        if len(line) > 4 and line[4]:
            name, _ = lk.named("cases.case", line[4], None)
            text += f"（个案 {name}）" if name else "（个案）"
        out.append(text)
    return out


def _filters(filters: dict, lk: _Lookups) -> str:
    shown = []
    for key, value in sorted(filters.items(), key=lambda kv: _KEY_ORDER.get(kv[0], len(_KEY_ORDER))):
        if value in (None, ""):
            continue
        if key == "type":
            text = type_name(value)
        elif key == "action":
            text = action_label(value)
        elif key == "org":
            text = lk.org(value)
        else:
            text = _plain(value)
        shown.append(f"{FILTER_LABELS.get(key, key)} {text}")
    return "，".join(shown) or "全部记录"


def _policy_value_changes(before, after) -> list[Change]:
    """The parameter values a version change touched, by (parameter, start)."""

    def by_key(rows):
        return {(r.get("name"), r.get("start")): r.get("value") for r in rows or () if isinstance(r, dict)}

    old, new = by_key(before), by_key(after)
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (str(k[0]), str(k[1]))):
        if old.get(key) == new.get(key):
            continue
        label = f"{PARAMETER_LABELS.get(key[0], key[0])}（自{shown_date(key[1])}起）"
        out.append(Change(label, _text_or_none(old, key), _text_or_none(new, key)))
    return out


def _text_or_none(rows: dict, key) -> str:
    return "—" if key not in rows else _plain(rows[key])
