"""Enrolment in a plan (SPEC §4): one by one, from an Excel list, from the target query; pause,
resume, exit.

Every way in checks eligibility (`eligibility`) on the day, under the plan's row lock (every
enrolment of a plan is written under it, so two people never enrol one household twice and the
"already enrolled" read holds until the commit). A list is all or nothing: every bad row is
reported with its Excel line and reason, and nothing is imported while any is bad. The query
enrols the target group's eligible households in one go and counts the others by reason; a
large group runs in the background (`projects.jobs`). A list or a query writes one audit entry
summarising what it did, beside the rows.

Who: the plan's owner's staff (`projects.enrol` at the owner), or a street's intake worker for
a household of their street that the plan's area covers (from the household file).
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, QuerySet, Subquery, When
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_actions
from bangfu.core.bulk import insert_from, one_of
from bangfu.core.crypto import lookup_hash, mask
from bangfu.core.idnumber import IdNumberError, validate_id_number
from bangfu.core.refusal import Refused
from bangfu.orgs.scope import has_perm_at, scope_for
from bangfu.registry.models import Household, HouseholdStatus, Person

from . import eligibility, selectors
from .models import Enrolment, EnrolmentState, EnrolmentVia, ItemState, PlanState, Project
from .targets import Target

CHUNK = 1000  # rows per bulk insert
CHECK_CHUNK = 5000  # households per eligibility check of the query
MAX_ROWS = 20000  # rows of one Excel list
SAMPLE = 20  # households shown in the query's preview
BACKGROUND_OVER = 200  # a query taking up more households runs in the background (jobs.py)

FILE_NUMBER = "档案编号"
ID_NUMBER = "身份证号码"
MEMBER_ID = "受助成员身份证号码"
HEADERS = (FILE_NUMBER, ID_NUMBER, MEMBER_ID)

ENROL = "projects.enrol"

# The audit log's actions of enrolment, named in Chinese there.
ENROLLED, LISTED, QUERIED = "project.enrol", "project.enrol_excel", "project.enrol_query"
PAUSED, RESUMED, EXITED = "project.enrolment.pause", "project.enrolment.resume", "project.enrolment.exit"
register_actions({
    ENROLLED: "纳入帮扶对象", LISTED: "名单导入帮扶对象", QUERIED: "按条件纳入帮扶对象",
    PAUSED: "暂停帮扶对象", RESUMED: "恢复帮扶对象", EXITED: "帮扶对象退出项目",
})  # fmt: skip


# --- who may -----------------------------------------------------------------------------------


def area_covers(project: Project, street_id: int) -> bool:
    """Is the street within the plan's area (its target's, else its owner's)?"""
    area = Target.from_json(project.target).area_ids(project.owner)
    return area is None or street_id in area


def may_manage(user, project: Project) -> bool:
    """Enrol into the plan from its own pages, and pause, resume, exit its enrolments."""
    return selectors.may(user, ENROL, project)


def may_enrol(user, project: Project, household: Household) -> bool:
    """Enrol this household: the owner's staff for a household they may read, or whoever holds
    `projects.enrol` at the household's street (its intake worker) when the plan's area covers it."""
    if not has_perm_at(user, "registry.view", household.street_id):
        return False
    if may_manage(user, project):
        return True
    return has_perm_at(user, ENROL, household.street_id) and area_covers(project, household.street_id)


FORBIDDEN = "您无权为该项目纳入或调整帮扶对象。"


def _require(actor: Actor, allowed: bool) -> None:
    if actor.user is not None and not allowed:
        raise Refused(FORBIDDEN, code="forbidden", status=403)


def _require_manage(actor: Actor, project: Project) -> None:
    selectors.authorise(actor, ENROL, project, FORBIDDEN)


def require_filed(project: Project) -> None:
    """Households are enrolled into a filed plan only."""
    if project.state != PlanState.FILED:
        raise Refused(f"项目“{project.title}”未备案或已结项，不能纳入帮扶对象。", code="plan_not_filed")


def _locked(project: Project) -> Project:
    """The plan's row, locked until the commit: enrolments of one plan are written one at a time."""
    locked = Project.objects.select_for_update().select_related("owner").get(pk=project.pk)
    require_filed(locked)
    return locked


def enrollable_plans(user, household: Household, day: date) -> list[Project]:
    """The filed plans this user may enrol the household into, whose target group contains it on
    the day and which it is not enrolled in (for the household file's form)."""
    plans = []
    filed = Project.objects.filter(state=PlanState.FILED).exclude(enrolments__household=household)
    for project in filed.select_related("owner", "fund_source").order_by("code"):
        if not may_enrol(user, project, household):
            continue
        target = Target.from_json(project.target)
        if target.households(project.owner, day).filter(pk=household.pk).exists():
            plans.append(project)
    return plans


# --- the beneficiary ---------------------------------------------------------------------------


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def beneficiary(project: Project, day: date) -> Subquery:
    """The member a household's aid is for, as a subquery over `Household` rows (`Target.beneficiary`
    in SQL): the first member meeting the person conditions, else the head, else the first member."""
    target = Target.from_json(project.target)
    members = Person.objects.filter(household=OuterRef("pk"), active=True)
    if target.has_person_conditions:
        members = members.filter(target.person_q(day)).order_by("id")
    else:
        members = members.order_by(Case(When(relationship="head", then=0), default=1), "id")
    return Subquery(members.values("id")[:1])


def beneficiaries(project: Project, household_ids: list[int], day: date) -> dict[int, int | None]:
    """`beneficiary` of each household, in one query."""
    chosen = dict(
        Household.objects.filter(one_of("pk", household_ids))
        .annotate(beneficiary=beneficiary(project, day))
        .values_list("pk", "beneficiary")
    )
    return {hid: chosen.get(hid) for hid in household_ids}


def _write(project: Project, actor: Actor, rows: list[tuple[int, int | None]], via: str) -> int:
    """Insert the enrolments of a list, (household, person) each, in chunks."""
    user = actor.user
    for chunk in _chunks(rows, CHUNK):
        Enrolment.objects.bulk_create(
            [
                Enrolment(project=project, household_id=hid, person_id=pid, via=via, enrolled_by=user)
                for hid, pid in chunk
            ]
        )
    return len(rows)


def _write_chosen(project: Project, actor: Actor, household_ids: list[int], day: date, via: str) -> int:
    """Insert the enrolments of households whose beneficiary the plan's conditions choose, the
    database writing the rows and choosing the member (`insert_from`, `beneficiary`): no model
    instance, parameter or returned id per row, which at 10,000 rows was most of the time."""
    now = timezone.now()
    return insert_from(
        Enrolment,
        Household.objects.filter(one_of("pk", household_ids)).order_by("pk"),
        {
            "project": project.pk, "household": F("pk"), "person": beneficiary(project, day),
            "state": EnrolmentState.ENROLLED, "reason": "", "via": via,
            "enrolled_by": actor.user.pk if actor.user else None, "enrolled_at": now, "updated_at": now,
        },
    )  # fmt: skip


# --- one by one --------------------------------------------------------------------------------


@transaction.atomic
def enrol_one(
    *, actor: Actor, project: Project, household: Household, person: Person | None = None
) -> Enrolment:
    """Enrol one household (from the household file, or by file number on the plan's page)."""
    _require(actor, may_enrol(actor.user, project, household))
    project = _locked(project)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    day = timezone.localdate()
    found = eligibility.problems(project, household, day)
    if found:
        raise Refused("；".join(p.message for p in found), code=found[0].code, field="household")
    if person is not None:
        if person.household_id != household.pk or not person.active:
            raise Refused("受助成员须为该家庭的在册成员。", code="invalid_input", field="person")
        person_id = person.pk
    else:
        person_id = beneficiaries(project, [household.pk], day)[household.pk]
    enrolment = Enrolment.objects.create(
        project=project,
        household=household,
        person_id=person_id,
        via=EnrolmentVia.ONE,
        enrolled_by=actor.user,
    )
    audit_record(
        actor=actor, action=ENROLLED, target=enrolment, org=project.owner,
        after={"project": project.code, "household": household.file_number, "person": person_id, "via": "one"},
    )  # fmt: skip
    return enrolment


# --- from an Excel list ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int  # the Excel row number
    reason: str  # Chinese


@dataclass
class ImportReport:
    rows: int = 0  # data rows read (blank rows left out)
    enrolled: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_xlsx(project: Project) -> bytes:
    """The list's template: the headers on the first sheet, what to write on the second."""
    wb = Workbook()
    ws = wb.active
    ws.title = "纳入名单"
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for col, width in zip("ABC", (22, 24, 26), strict=True):
        ws.column_dimensions[col].width = width
        # ID numbers are text: 18 digits as a number lose their last three.
        for row in range(2, 1002):
            ws[f"{col}{row}"].number_format = "@"
    notes = wb.create_sheet("填写说明")
    lines = [
        (f"项目：{project.code} {project.title}",),
        ("每行一户：填写“档案编号”或“身份证号码”（任填其一；两项都填时须为同一家庭）。",),
        (
            "“受助成员身份证号码”可不填：不填时，按身份证号码填写的成员为受助成员；只填档案编号的，按项目帮扶对象条件确定受助成员。",
        ),
        ("身份证号码按文本填写18位；同一家庭只填一行。",),
        ("导入时逐行核对：有任何一行不符合要求的，整份名单不导入，并列出每个问题行的行号和原因。",),
        ("示例（填在“纳入名单”表第2行起，不要填在本表）：",),
        ("档案编号", "身份证号码", "受助成员身份证号码"),
        ("310105001-00012", "", ""),
        ("", "310105195601012345", ""),
    ]
    for line in lines:
        notes.append(list(line))
    notes.column_dimensions["A"].width = 60
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def read_rows(file) -> list[tuple[int, dict[str, str]]]:
    """The list's data rows as (Excel line, {header: text}), blank rows left out."""
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as e:
        raise Refused("无法读取该文件，请上传 Excel 文件。", code="invalid_input", field="file") from e
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        names = [_text(v) for v in (header or ())]
        columns = {name: i for i, name in enumerate(names) if name in HEADERS}
        if FILE_NUMBER not in columns and ID_NUMBER not in columns:
            raise Refused(
                f"第1行须为表头，并包含“{FILE_NUMBER}”或“{ID_NUMBER}”列（请使用下载的模板）。",
                code="invalid_input",
                field="file",
            )
        out = []
        for line, values in enumerate(rows, start=2):
            cells = {name: _text(values[i]) if i < len(values) else "" for name, i in columns.items()}
            if not any(cells.values()):
                continue
            if len(out) >= MAX_ROWS:
                raise Refused(f"一份名单最多 {MAX_ROWS} 行，请分批导入。", code="invalid_input", field="file")
            out.append((line, cells))
        return out
    finally:
        wb.close()


def _persons_by_hash(user, hashes: set[str]) -> dict[str, list[Person]]:
    """The people of the ID numbers, within the user's registry scope (any status)."""
    found: dict[str, list[Person]] = {}
    if not hashes:
        return found
    qs = Person.objects.filter(id_hash__in=list(hashes)).select_related("household__street")
    if user is not None:
        qs = scope_for(user, "registry.view").filter(qs, "household__street")
    for person in qs.order_by("-active", "id"):
        found.setdefault(person.id_hash, []).append(person)
    return found


def _id_hash(raw: str) -> tuple[str | None, str | None]:
    """(the number's look-up hash, None) or (None, why it is invalid)."""
    try:
        number = validate_id_number(raw).number
    except IdNumberError as e:
        return None, str(e)
    return lookup_hash(number), None


@transaction.atomic
def import_rows(*, actor: Actor, project: Project, file) -> ImportReport:
    """Enrol the households of an Excel list, all or nothing (SPEC §4)."""
    _require_manage(actor, project)
    project = _locked(project)
    day = timezone.localdate()
    rows = read_rows(file)
    report = ImportReport(rows=len(rows))
    if not rows:
        raise Refused("名单中没有数据行。", code="invalid_input", field="file")
    user = actor.user

    # What every row names, looked up at once.
    file_numbers = {c[FILE_NUMBER] for _, c in rows if c.get(FILE_NUMBER)}
    households = Household.objects.filter(file_number__in=list(file_numbers)).select_related("street")
    if user is not None:
        households = scope_for(user, "registry.view").filter(households, "street")
    by_number = {h.file_number: h for h in households}
    hashes: dict[str, tuple[str | None, str | None]] = {}
    for _, c in rows:
        for name in (ID_NUMBER, MEMBER_ID):
            if c.get(name) and c[name] not in hashes:
                hashes[c[name]] = _id_hash(c[name])
    people = _persons_by_hash(user, {h for h, _ in hashes.values() if h})
    area = Target.from_json(project.target).area_ids(project.owner)

    chosen: dict[int, tuple[int, Household, int | None]] = {}  # household -> (line, household, person)
    errors: list[RowError] = []
    for line, c in rows:
        fail = lambda reason, line=line: errors.append(RowError(line, reason))  # noqa: E731
        household = person = None
        number, id_raw, member_raw = c.get(FILE_NUMBER, ""), c.get(ID_NUMBER, ""), c.get(MEMBER_ID, "")
        if not number and not id_raw:
            fail(f"未填写{FILE_NUMBER}或{ID_NUMBER}。")
            continue
        if number:
            household = by_number.get(number)
            if household is None:
                fail(f"档案编号“{number}”不存在。")
                continue
        if id_raw:
            digest, why = hashes[id_raw]
            if why:
                fail(f"身份证号码“{mask(id_raw)}”无效：{why}")
                continue
            candidates = people.get(digest, [])
            person = next(
                (p for p in candidates if p.active and p.household.status == HouseholdStatus.ACTIVE), None
            )
            if person is None:
                if candidates:
                    fail(f"身份证号码“{mask(id_raw)}”的人员不在在册家庭中。")
                else:
                    fail(f"未找到身份证号码为“{mask(id_raw)}”的人员。")
                continue
            if household is not None and person.household_id != household.pk:
                fail(f"身份证号码“{mask(id_raw)}”的人员不是档案“{number}”的家庭成员。")
                continue
            household = person.household
        if household.status != HouseholdStatus.ACTIVE:
            fail(f"档案“{household.file_number}”{household.get_status_display()}，不在册。")
            continue
        if member_raw:
            digest, why = hashes[member_raw]
            if why:
                fail(f"受助成员身份证号码“{mask(member_raw)}”无效：{why}")
                continue
            member = next(
                (p for p in people.get(digest, []) if p.active and p.household_id == household.pk), None
            )
            if member is None:
                fail(f"受助成员“{mask(member_raw)}”不是档案“{household.file_number}”的在册成员。")
                continue
            person = member
        if area is not None and household.street_id not in area:
            fail(f"档案“{household.file_number}”属于{household.street.name}，不在项目实施区域内。")
            continue
        if household.pk in chosen:
            fail(f"与第{chosen[household.pk][0]}行为同一家庭（档案“{household.file_number}”），重复。")
            continue
        chosen[household.pk] = (line, household, person.pk if person else None)

    found = eligibility.bulk_problems(project, list(chosen), day)
    for hid, problems in found.items():
        line, household, _ = chosen[hid]
        errors.append(
            RowError(
                line,
                f"档案“{household.file_number}”不符合纳入条件：" + "；".join(p.message for p in problems),
            )
        )
    if errors:
        report.errors = sorted(errors, key=lambda e: e.line)
        return report

    missing = [hid for hid, (_, _, pid) in chosen.items() if pid is None]
    default = beneficiaries(project, missing, day) if missing else {}
    pairs = [(hid, pid if pid is not None else default.get(hid)) for hid, (_, _, pid) in chosen.items()]
    report.enrolled = _write(project, actor, pairs, EnrolmentVia.EXCEL)
    audit_record(
        actor=actor, action=LISTED, target=project, org=project.owner,
        after={"rows": report.rows, "enrolled": report.enrolled},
        note=f"名单导入：纳入 {report.enrolled} 户",
    )  # fmt: skip
    return report


# --- from the target query ---------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRow:
    household_id: int
    file_number: str
    head: str
    id_number_masked: str
    street: str


@dataclass(frozen=True)
class Preview:
    count: int  # households of the target group not yet enrolled in the plan
    sample: list[SampleRow]
    enrolled: int = 0  # of the group, already enrolled


def _candidates(project: Project, day: date) -> QuerySet:
    return Target.from_json(project.target).households(project.owner, day)


def query_preview(project: Project, day: date) -> Preview:
    """How many households of the target group the query would take up (before the eligibility
    check), and a sample of them as the registry's list shows them."""
    group = _candidates(project, day)
    enrolled_ids = Enrolment.objects.filter(project=project).order_by().values("household_id")
    fresh = group.exclude(pk__in=enrolled_ids)
    count = fresh.count()
    already = group.filter(pk__in=enrolled_ids).count()
    households = list(fresh.select_related("street").order_by("file_number", "pk")[:SAMPLE])
    heads = beneficiaries(project, [h.pk for h in households], day)
    people = Person.objects.in_bulk([pk for pk in heads.values() if pk])
    sample = []
    for h in households:
        p = people.get(heads.get(h.pk))
        sample.append(
            SampleRow(
                h.pk, h.file_number, p.name if p else "—", p.id_number_masked if p else "—", h.street.name
            )
        )
    return Preview(count=count, sample=sample, enrolled=already)


@dataclass(frozen=True)
class QueryResult:
    enrolled: int
    refused: dict[str, int]  # problem code -> households

    def as_dict(self) -> dict:
        return {"enrolled": self.enrolled, "refused": dict(self.refused)}

    def refused_by_label(self) -> dict[str, int]:
        """The refused households by reason in words (for the audit log)."""
        return {label: n for _, label, n in self.refused_lines()}

    def refused_lines(self) -> list[tuple[str, str, int]]:
        """(code, label, households) by reason, the largest first."""
        return [
            (code, eligibility.LABELS.get(code, code), n)
            for code, n in sorted(self.refused.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


def enrol_from_query(
    *, actor: Actor, project: Project, day: date, progress: Callable[[int, int], None] | None = None
) -> QueryResult:
    """Enrol every eligible household of the target group not enrolled yet; the others counted
    by their first reason. The checks run before the writes (reporting progress as they go), the
    writes in one transaction under the plan's lock, which sees again who is enrolled by then."""
    _require_manage(actor, project)
    report = progress or (lambda done, total: None)
    require_filed(project)
    enrolled_ids = set(
        Enrolment.objects.filter(project=project).order_by().values_list("household_id", flat=True)
    )
    # The target group on the day, read once: the households to check, and the answer of the
    # group check for them (`bulk_problems(group=…)`).
    group = list(_candidates(project, day).order_by("pk").values_list("pk", flat=True))
    in_group = set(group)
    ids = [pk for pk in group if pk not in enrolled_ids]
    total = len(ids)
    report(0, total + 1)
    refused: Counter = Counter()
    passing: list[int] = []
    done = 0
    for chunk in _chunks(ids, CHECK_CHUNK):
        found = eligibility.bulk_problems(project, chunk, day, group=in_group)
        for pk in chunk:
            if pk in found:
                refused[found[pk][0].code] += 1
            else:
                passing.append(pk)
        done += len(chunk)
        report(done, total + 1)
    with transaction.atomic():
        project = _locked(project)
        now_enrolled = set(
            Enrolment.objects.filter(project=project).order_by().values_list("household_id", flat=True)
        )
        late = [pk for pk in passing if pk in now_enrolled]
        if late:
            refused[eligibility.ALREADY_ENROLLED] += len(late)
            passing = [pk for pk in passing if pk not in now_enrolled]
        enrolled = _write_chosen(project, actor, passing, day, EnrolmentVia.QUERY)
        result = QueryResult(enrolled=enrolled, refused=dict(refused))
        audit_record(
            actor=actor, action=QUERIED, target=project, org=project.owner,
            after={"day": day.isoformat(), "enrolled": result.enrolled, "refused": result.refused_by_label()},
            note=f"按条件纳入：纳入 {enrolled} 户，未纳入 {result.refused_total} 户",
        )  # fmt: skip
    report(total + 1, total + 1)
    return result


# --- pause, resume, exit -----------------------------------------------------------------------


def _enrolment_locked(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update()
        .select_related("project__owner", "household")
        .get(pk=enrolment.pk)
    )


def _move(actor: Actor, enrolment: Enrolment, to: str, reason: str, action: str) -> Enrolment:
    if to != EnrolmentState.ENROLLED:
        # A batch froze what it delivers: the household's item waits in it until the batch is
        # delivered (marked not delivered there) or cancelled, and only then may it leave.
        pending = enrolment.items.filter(state=ItemState.PENDING).select_related("batch").first()
        if pending is not None:
            raise Refused(
                f"该户在第{pending.batch.number}批中待发放，请先在该批次发放时标记未发放或撤销该批次，"
                f"再{'暂停' if to == EnrolmentState.PAUSED else '退出'}。",
                code="in_open_batch",
            )
    before = {"state": enrolment.state, "reason": enrolment.reason}
    enrolment.state, enrolment.reason = to, reason
    enrolment.save(update_fields=["state", "reason", "updated_at"])
    audit_record(
        actor=actor, action=action, target=enrolment, org=enrolment.project.owner, before=before,
        after={"state": to, "reason": reason},
    )  # fmt: skip
    return enrolment


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise Refused("请填写退出原因。", code="invalid_input", field="reason")
    if len(reason) > 200:
        raise Refused("原因不超过200个字。", code="invalid_input", field="reason")
    return reason


@transaction.atomic
def pause(*, actor: Actor, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """暂停: the household stays enrolled and is left out of the batches until resumed."""
    enrolment = _enrolment_locked(enrolment)
    _require_manage(actor, enrolment.project)
    if enrolment.state != EnrolmentState.ENROLLED:
        raise Refused(f"该帮扶对象{enrolment.get_state_display()}，不能暂停。", code="invalid_state")
    return _move(actor, enrolment, EnrolmentState.PAUSED, _reason(reason, required=False), PAUSED)


@transaction.atomic
def resume(*, actor: Actor, enrolment: Enrolment) -> Enrolment:
    """恢复: a paused (or found not eligible) household back in, when it is eligible today."""
    enrolment = _enrolment_locked(enrolment)
    _require_manage(actor, enrolment.project)
    if enrolment.state not in (EnrolmentState.PAUSED, EnrolmentState.NOT_ELIGIBLE):
        raise Refused(f"该帮扶对象{enrolment.get_state_display()}，不能恢复。", code="invalid_state")
    found = eligibility.problems(
        enrolment.project, enrolment.household, timezone.localdate(), enrolling=False
    )
    if found:
        raise Refused("不能恢复：" + "；".join(p.message for p in found), code=found[0].code)
    return _move(actor, enrolment, EnrolmentState.ENROLLED, "", RESUMED)


@transaction.atomic
def exit(*, actor: Actor, enrolment: Enrolment, reason: str) -> Enrolment:
    """退出, with its reason: the household leaves the plan for good."""
    enrolment = _enrolment_locked(enrolment)
    _require_manage(actor, enrolment.project)
    if enrolment.state == EnrolmentState.EXITED:
        raise Refused("该帮扶对象已退出。", code="invalid_state")
    return _move(actor, enrolment, EnrolmentState.EXITED, _reason(reason, required=True), EXITED)


def counts_by_state(project: Project) -> list[tuple[str, str, int]]:
    """(state, label, enrolments) for every state, in the order of the choices."""
    counts = dict(
        Enrolment.objects.filter(project=project).values_list("state").annotate(n=Count("pk")).order_by()
    )
    return [(state, label, counts.get(state, 0)) for state, label in EnrolmentState.choices]
