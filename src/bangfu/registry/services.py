"""Writes to the household registry (建档立卡, SPEC §2).

Every function here is keyword-only, runs in one transaction and appends to the audit
log in that same transaction, so a change and its audit row land together or not at all.
Sensitive values (ID numbers, bank accounts) reach the log only masked.

Permission: when the actor is a person, each service checks the permission itself
(`registry.edit`, `registry.merge`, `registry.reveal`) as a backstop behind the views;
a system actor (`Actor.system`, commands and imports) acts on its own authority.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, changed_fields
from bangfu.core.crypto import lookup_hash, mask, mask_account
from bangfu.core.idnumber import IdNumber, IdNumberError, validate_id_number
from bangfu.core.money import ZERO
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm_at

from .models import (
    Category,
    CategorySource,
    FileNumberCounter,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Means,
    MeansKind,
    Person,
    Relationship,
)


class DuplicatePerson(Refused):
    """The ID number is already active in a household somewhere in the city (SPEC §2).

    Carries the existing person so the interface can offer to open that file, merge or
    move; `visible` says whether the actor may see that household at all.
    """

    def __init__(self, message: str, *, existing: Person, visible: bool, field: str | None = None):
        super().__init__(message, code="duplicate_person", field=field, status=409)
        self.existing = existing
        self.visible = visible


# Fields a member dict may carry besides the ID number (the Person model's editable fields).
PERSON_FIELDS = (
    "name",
    "relationship",
    "hukou_district",
    "resides_in_district",
    "resides_since",
    "non_local_spouse_or_child",
    "disability",
    "serious_illness",
    "lost_work_capacity",
    "phone",
    "bank_name",
    "bank_account",
)
HOUSEHOLD_FIELDS = ("address", "phone", "committee", "note")


# ---------------------------------------------------------------- helpers


def _authorise(actor: Actor, perm: str, street_id: int) -> None:
    if actor.user is not None and not has_perm_at(actor.user, perm, street_id):
        raise Refused("您没有权限进行此操作。", code="not_allowed", status=403)


def _plain(value):
    """A JSON-safe value for the audit log."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Organisation):
        return value.code
    return value


def _person_snapshot(person: Person) -> dict:
    """What the log keeps of a person: everything but the sensitive values, which are masked.

    The birth is kept as the year only: the masked number and the full birth date together
    are the whole number (SPEC §10), and the log is not encrypted. A corrected number shows
    as a change of `id_ref`, a prefix of its keyed hash, which is useless without the key.
    """
    snap = {f: _plain(getattr(person, f)) for f in PERSON_FIELDS if f != "bank_account"}
    snap["hukou_district"] = person.hukou_district_id
    snap.update(
        id_number=mask(person.id_number),
        id_ref=person.id_hash[:12],
        bank_account=mask_account(person.bank_account),
        sex=person.sex,
        birth_year=person.birth_date.year,
        active=person.active,
        household=person.household_id,
    )
    return snap


def _household_snapshot(household: Household) -> dict:
    return {
        "file_number": household.file_number,
        "street": household.street_id,
        "committee": household.committee_id,
        "address": household.address,
        "phone": household.phone,
        "note": household.note,
        "status": household.status,
        "merged_into": household.merged_into_id,
    }


def _category_snapshot(row: HouseholdCategory) -> dict:
    return {
        "household": row.household_id,
        "category": row.category,
        "valid_from": _plain(row.valid_from),
        "valid_to": _plain(row.valid_to),
        "source": row.source,
        "note": row.note,
    }


def _means_snapshot(row: Means) -> dict:
    return {
        "person": row.person_id,
        "kind": row.kind,
        "description": row.description,
        "amount": _plain(row.amount),
        "as_of": _plain(row.as_of),
    }


def _check_id(raw: str, field: str) -> IdNumber:
    try:
        return validate_id_number(raw)
    except IdNumberError as exc:
        raise Refused(str(exc), code="invalid_id_number", field=field) from None


def _duplicate_error(actor: Actor, existing: Person, field: str | None) -> DuplicatePerson:
    household = existing.household
    visible = actor.user is None or has_perm_at(actor.user, "registry.view", household.street_id)
    # Name the file only to someone who may open it; otherwise only the street, so the
    # worker knows whom to call without learning anything about the family.
    where = f"档案 {household.file_number} " if visible else f"{household.street.name}的档案"
    message = f"身份证号码 {mask(existing.id_number)} 已登记在{where}中，同一居民只能在一个在册家庭中。"
    return DuplicatePerson(message, existing=existing, visible=visible, field=field)


def _active_with_hash(id_hash: str, exclude_pk: int | None = None) -> Person | None:
    qs = Person.objects.select_related("household__street").filter(id_hash=id_hash, active=True)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _insert_person(actor: Actor, person: Person, field: str | None) -> None:
    """Insert, turning a lost race on the one-active-person-per-ID constraint into DuplicatePerson."""
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        existing = _active_with_hash(person.id_hash, exclude_pk=person.pk)
        if existing is None:
            raise
        raise _duplicate_error(actor, existing, field) from None


def _apply_person_fields(person: Person, data: dict, field_prefix: str) -> None:
    unknown = set(data) - set(PERSON_FIELDS) - {"id_number"}
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    for name in PERSON_FIELDS:
        if name in data:
            value = data[name]
            if name in ("phone", "bank_name", "bank_account", "name"):
                value = (value or "").strip()
            setattr(person, name, value)
    if not person.name:
        raise Refused("请填写姓名。", code="name_required", field=f"{field_prefix}name")
    if person.relationship not in Relationship.values:
        raise Refused("请选择与户主关系。", code="bad_relationship", field=f"{field_prefix}relationship")
    # An empty encrypted column reads back as None (core.crypto); the column is NOT NULL.
    person.bank_account = (person.bank_account or "").replace(" ", "")
    if person.bank_account and not person.bank_account.isdigit():
        raise Refused("银行账号只能包含数字。", code="bad_bank_account", field=f"{field_prefix}bank_account")


def _set_id_number(person: Person, raw: str, field: str) -> IdNumber:
    checked = _check_id(raw, field)
    person.id_number = checked.number
    person.id_hash = lookup_hash(checked.number)
    person.sex = checked.sex
    person.birth_date = checked.birth_date
    return checked


def _next_file_number(street: Organisation) -> str:
    # Two intake workers of one street saving at the same moment must never get the
    # same number: the counter row is read and bumped under a row lock (SELECT … FOR
    # UPDATE), so the second waits for the first to commit.
    FileNumberCounter.objects.get_or_create(street=street)
    counter = FileNumberCounter.objects.select_for_update().get(street=street)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{street.code}-{counter.last:07d}"


def _check_street(street: Organisation, committee: Organisation | None) -> None:
    if street.kind != OrgKind.STREET:
        raise Refused("档案只能建在街镇综合帮扶工作组。", code="bad_street", field="street")
    if committee is not None and (committee.kind != OrgKind.COMMITTEE or committee.parent_id != street.pk):
        raise Refused("所选居（村）委不属于该街镇。", code="bad_committee", field="committee")


def _heads(household: Household):
    return household.members.filter(active=True, relationship=Relationship.HEAD)


# ---------------------------------------------------------------- households


@transaction.atomic
def household_create(
    *,
    actor: Actor,
    street: Organisation,
    address: str,
    phone: str = "",
    committee: Organisation | None = None,
    members: list[dict],
    categories: list[dict] = (),
) -> Household:
    """Open a file (档案) with its members and, optionally, categories.

    Each member dict carries Person fields and a plain `id_number`. The ID number is
    validated, sex and birth date derived from it, and the file refused when it is
    already active in any household of the city (DuplicatePerson). Exactly one member
    is the head (户主). A member dict may set `move_existing=True`: the person already
    on file elsewhere is then moved into the new household (the actor must be allowed
    to edit that other file), rather than copied.
    """
    _authorise(actor, "registry.edit", street.pk)
    _check_street(street, committee)
    address = (address or "").strip()
    if not address:
        raise Refused("请填写居住地址。", code="address_required", field="address")
    if not members:
        raise Refused("至少登记一名家庭成员。", code="members_required", field="members")
    heads = [m for m in members if m.get("relationship") == Relationship.HEAD]
    if len(heads) != 1:
        raise Refused("每户须有且只有一名户主。", code="one_head", field="members")

    checked: list[IdNumber] = []
    for i, member in enumerate(members):
        id_field = f"members.{i}.id_number"
        number = _check_id(member.get("id_number", ""), id_field)
        if any(number.number == other.number for other in checked):
            raise Refused("同一身份证号码在本次登记中出现了两次。", code="id_repeated", field=id_field)
        checked.append(number)

    household = Household.objects.create(
        file_number=_next_file_number(street),
        street=street,
        committee=committee,
        address=address,
        phone=(phone or "").strip(),
        created_by=actor.user,
    )
    audit_record(
        actor=actor, action="create", target=household, after=_household_snapshot(household), org=street
    )
    for i, member in enumerate(members):
        data = dict(member)
        move = bool(data.pop("move_existing", False))
        raw_id = data.pop("id_number")
        existing = _active_with_hash(lookup_hash(checked[i].number))
        if existing is not None:
            if not move or (
                actor.user is not None
                and not has_perm_at(actor.user, "registry.edit", existing.household.street_id)
            ):
                raise _duplicate_error(actor, existing, f"members.{i}.id_number")
            _move_person(actor, existing, household, data, f"members.{i}.")
            continue
        person = Person(household=household)
        _apply_person_fields(person, data, f"members.{i}.")
        _set_id_number(person, raw_id, f"members.{i}.id_number")
        _insert_person(actor, person, f"members.{i}.id_number")
        audit_record(actor=actor, action="create", target=person, after=_person_snapshot(person), org=street)

    for item in categories:
        category_add(actor=actor, household=household, **item)
    return household


def _move_person(actor: Actor, person: Person, to: Household, data: dict, prefix: str) -> None:
    before = _person_snapshot(person)
    origin = person.household
    person.household = to
    _apply_person_fields(person, data, prefix)
    person.save()
    audit_record(
        actor=actor,
        action="update",
        target=person,
        before=before,
        after=_person_snapshot(person),
        note=f"由档案 {origin.file_number} 迁入档案 {to.file_number}",
        org=to.street,
    )
    if origin.street_id != to.street_id:
        # The household left behind is audited under its own street too.
        audit_record(
            actor=actor,
            action="update",
            target=origin,
            note=f"成员 {person.name} 迁至档案 {to.file_number}",
            org=origin.street,
        )


@transaction.atomic
def household_update(*, actor: Actor, household: Household, **changes) -> Household:
    """Change address, phone, committee or note."""
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise TypeError(f"unknown household fields: {sorted(unknown)}")
    _authorise(actor, "registry.edit", household.street_id)
    if household.status != HouseholdStatus.ACTIVE:
        raise Refused("该档案已合并或注销，不能修改。", code="not_active")
    before = _household_snapshot(household)
    for name, value in changes.items():
        setattr(household, name, value.strip() if isinstance(value, str) else value)
    if not household.address:
        raise Refused("请填写居住地址。", code="address_required", field="address")
    _check_street(household.street, household.committee)
    household.save()
    old, new = changed_fields(before, _household_snapshot(household))
    if new:
        audit_record(
            actor=actor, action="update", target=household, before=old, after=new, org=household.street
        )
    return household


# ---------------------------------------------------------------- people


@transaction.atomic
def person_add(*, actor: Actor, household: Household, id_number: str, **fields) -> Person:
    """Add a member to an existing household (refused if the ID is active anywhere)."""
    _authorise(actor, "registry.edit", household.street_id)
    if household.status != HouseholdStatus.ACTIVE:
        raise Refused("该档案已合并或注销，不能添加成员。", code="not_active")
    person = Person(household=household)
    _apply_person_fields(person, fields, "")
    _set_id_number(person, id_number, "id_number")
    if person.relationship == Relationship.HEAD and _heads(household).exists():
        raise Refused("该户已有户主；如需更换户主，请编辑成员关系。", code="one_head", field="relationship")
    existing = _active_with_hash(person.id_hash)
    if existing is not None:
        raise _duplicate_error(actor, existing, "id_number")
    _insert_person(actor, person, "id_number")
    audit_record(
        actor=actor, action="create", target=person, after=_person_snapshot(person), org=household.street
    )
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, **changes) -> Person:
    """Change a member. A new ID number is validated and checked for duplicates again.

    Making someone the head (户主) turns the previous head into "其他" in the same
    transaction, so a household is never left with two heads or none.
    """
    household = person.household
    _authorise(actor, "registry.edit", household.street_id)
    if not person.active:
        raise Refused("该成员已移除，不能修改。", code="not_active")
    before = _person_snapshot(person)
    was_head = person.relationship == Relationship.HEAD
    raw_id = changes.pop("id_number", None)
    _apply_person_fields(person, changes, "")
    if raw_id is not None and lookup_hash(_check_id(raw_id, "id_number").number) != person.id_hash:
        _set_id_number(person, raw_id, "id_number")
        existing = _active_with_hash(person.id_hash, exclude_pk=person.pk)
        if existing is not None:
            raise _duplicate_error(actor, existing, "id_number")
    if was_head and person.relationship != Relationship.HEAD:
        raise Refused(
            "户主不能直接改为其他关系：请把另一名成员设为户主。", code="one_head", field="relationship"
        )
    if not was_head and person.relationship == Relationship.HEAD:
        for old_head in _heads(household).exclude(pk=person.pk):
            old_before = _person_snapshot(old_head)
            old_head.relationship = Relationship.OTHER
            old_head.save(update_fields=["relationship"])
            audit_record(
                actor=actor,
                action="update",
                target=old_head,
                before={"relationship": old_before["relationship"]},
                after={"relationship": old_head.relationship},
                note=f"户主变更为 {person.name}",
                org=household.street,
            )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        existing = _active_with_hash(person.id_hash, exclude_pk=person.pk)
        if existing is None:
            raise
        raise _duplicate_error(actor, existing, "id_number") from None
    old, new = changed_fields(before, _person_snapshot(person))
    if new:
        audit_record(actor=actor, action="update", target=person, before=old, after=new, org=household.street)
    return person


@transaction.atomic
def person_remove(*, actor: Actor, person: Person, reason: str) -> Person:
    """Take a member off the household (moved out, died, registered in error).

    Nothing is deleted: the row is deactivated so its history stays on file, and the
    ID number becomes free for another household.
    """
    household = person.household
    _authorise(actor, "registry.edit", household.street_id)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写移除原因。", code="reason_required", field="reason")
    if not person.active:
        raise Refused("该成员已移除。", code="not_active")
    if person.relationship == Relationship.HEAD:
        raise Refused("户主不能移除：请先把另一名成员设为户主。", code="head")
    person.active = False
    person.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="delete",
        target=person,
        before={"active": True},
        after={"active": False},
        note=reason,
        org=household.street,
    )
    return person


# ---------------------------------------------------------------- categories and means


@transaction.atomic
def category_add(
    *,
    actor: Actor,
    household: Household,
    category: str,
    valid_from: date,
    valid_to: date | None = None,
    source: str = CategorySource.MANUAL,
    note: str = "",
) -> HouseholdCategory:
    """Record a category with its validity period and source.

    A household is in one category at a time: a still-open earlier period ends the day
    before the new one starts (as when the monitoring platform moves a family from 低保边缘
    into 低保); any other overlap is refused rather than guessed at.
    """
    _authorise(actor, "registry.edit", household.street_id)
    if category not in Category.values:
        raise Refused("请选择家庭类别。", code="bad_category", field="category")
    if source not in CategorySource.values:
        raise Refused("请选择类别来源。", code="bad_source", field="source")
    if valid_from is None:
        raise Refused("请填写有效期起始日期。", code="valid_from_required", field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise Refused("有效期止不能早于有效期起。", code="bad_period", field="valid_to")
    overlapping = household.categories.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
        **({"valid_from__lte": valid_to} if valid_to else {}),
    )
    for row in overlapping:
        if row.valid_to is None and row.valid_from < valid_from:
            before = _category_snapshot(row)
            row.valid_to = valid_from - timedelta(days=1)
            row.save(update_fields=["valid_to"])
            audit_record(
                actor=actor,
                action="update",
                target=row,
                before={"valid_to": before["valid_to"]},
                after={"valid_to": _plain(row.valid_to)},
                note="新类别生效，原类别终止",
                org=household.street,
            )
        else:
            raise Refused(
                f"与已有类别“{row.get_category_display()}”（{row.valid_from}起）的有效期重叠。",
                code="period_overlap",
                field="valid_from",
            )
    row = HouseholdCategory.objects.create(
        household=household,
        category=category,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        note=(note or "").strip(),
    )
    audit_record(
        actor=actor, action="create", target=row, after=_category_snapshot(row), org=household.street
    )
    return row


@transaction.atomic
def category_end(*, actor: Actor, category: HouseholdCategory, valid_to: date) -> HouseholdCategory:
    """Close a category's validity period on `valid_to` (inclusive)."""
    household = category.household
    _authorise(actor, "registry.edit", household.street_id)
    if valid_to is None:
        raise Refused("请填写有效期止。", code="valid_to_required", field="valid_to")
    if valid_to < category.valid_from:
        raise Refused("有效期止不能早于有效期起。", code="bad_period", field="valid_to")
    if category.valid_to is not None and valid_to > category.valid_to:
        raise Refused("该类别已在更早的日期终止。", code="already_ended", field="valid_to")
    before = _category_snapshot(category)
    category.valid_to = valid_to
    category.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action="update",
        target=category,
        before={"valid_to": before["valid_to"]},
        after={"valid_to": _plain(valid_to)},
        org=household.street,
    )
    return category


@transaction.atomic
def means_add(
    *, actor: Actor, person: Person, kind: str, amount: Decimal, as_of: date, description: str = ""
) -> Means:
    """Record an income or an asset of a member, as established on `as_of`."""
    household = person.household
    _authorise(actor, "registry.edit", household.street_id)
    if kind not in MeansKind.values:
        raise Refused("请选择收入或财产。", code="bad_kind", field="kind")
    if amount is None or not isinstance(amount, Decimal) or not amount.is_finite() or amount < ZERO:
        raise Refused("金额须为不小于0的数。", code="bad_amount", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise Refused("金额最多两位小数。", code="bad_amount", field="amount")
    if as_of is None:
        raise Refused("请填写核定日期。", code="as_of_required", field="as_of")
    row = Means.objects.create(
        person=person, kind=kind, amount=amount, as_of=as_of, description=(description or "").strip()
    )
    audit_record(actor=actor, action="create", target=row, after=_means_snapshot(row), org=household.street)
    return row


# ---------------------------------------------------------------- merge


@transaction.atomic
def households_merge(*, actor: Actor, keep: Household, duplicate: Household, reason: str) -> Household:
    """Fold `duplicate` into `keep`: the same family filed twice.

    Members not already on `keep` move over (a second head becomes "其他"); a person
    on both files (same ID number) stays once, on `keep`, and the copy's income and
    assets move to the kept person. Categories move too. The duplicate file stays,
    with status "已合并" pointing to `keep`, so its number still leads somewhere.
    """
    for household in (keep, duplicate):
        _authorise(actor, "registry.merge", household.street_id)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写合并原因。", code="reason_required", field="reason")
    if keep.pk == duplicate.pk:
        raise Refused("不能把档案与其自身合并。", code="same_household", field="duplicate")
    # Lock both rows in a fixed order so two merges of the same pair cannot interleave.
    locked = {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
    for household in (keep, duplicate):
        if locked[household.pk].status != HouseholdStatus.ACTIVE:
            raise Refused(
                f"档案 {household.file_number} 已合并或注销，不能再合并。",
                code="not_active",
                field="duplicate",
            )
    keep_before, dup_before = _household_snapshot(keep), _household_snapshot(duplicate)
    kept_by_hash = {p.id_hash: p for p in keep.members.all()}
    keep_has_head = _heads(keep).exists()
    moved, folded = [], []
    for person in duplicate.members.order_by("pk"):
        twin = kept_by_hash.get(person.id_hash)
        if twin is None:
            before = _person_snapshot(person)
            person.household = keep
            if person.relationship == Relationship.HEAD and keep_has_head:
                person.relationship = Relationship.OTHER
            person.save(update_fields=["household", "relationship"])
            moved.append(person.pk)
            old, new = changed_fields(before, _person_snapshot(person))
            audit_record(
                actor=actor, action="update", target=person, before=old, after=new,
                note=f"合并：由档案 {duplicate.file_number} 转入 {keep.file_number}", org=keep.street,
            )  # fmt: skip
            continue
        # The same person on both files: keep one record. If only the copy was active,
        # the kept record takes over (deactivate first: at most one active row per ID).
        Means.objects.filter(person=person).update(person=twin)
        was_active = person.active
        if person.active:
            person.active = False
            person.save(update_fields=["active"])
        if was_active and not twin.active:
            twin.active = True
            twin.save(update_fields=["active"])
        folded.append(person.pk)
        audit_record(
            actor=actor, action="merge", target=person, before={"active": was_active},
            after={"active": False, "merged_into_person": twin.pk},
            note=f"合并：与档案 {keep.file_number} 中的同一人合并", org=duplicate.street,
        )  # fmt: skip
    categories = list(duplicate.categories.values_list("pk", flat=True))
    HouseholdCategory.objects.filter(pk__in=categories).update(household=keep)
    duplicate.status = HouseholdStatus.MERGED
    duplicate.merged_into = keep
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    summary = {"moved_people": moved, "folded_people": folded, "categories": categories}
    audit_record(
        actor=actor, action="merge", target=duplicate, before=dup_before,
        after={**_household_snapshot(duplicate), **summary}, note=reason, org=duplicate.street,
    )  # fmt: skip
    audit_record(
        actor=actor, action="merge", target=keep, before=keep_before,
        after={"merged_from": duplicate.file_number, **summary}, note=reason, org=keep.street,
    )  # fmt: skip
    return keep


# ---------------------------------------------------------------- sensitive values


REVEALABLE = {"id_number": "身份证号码", "bank_account": "银行账号"}


@transaction.atomic
def sensitive_reveal(*, actor: Actor, person: Person, field: str) -> str:
    """The plain ID number or bank account, for someone who asked to see it. Always logged."""
    if field not in REVEALABLE:
        raise Refused("只能查看身份证号码或银行账号。", code="bad_field")
    _authorise(actor, "registry.reveal", person.household.street_id)
    value = getattr(person, field) or ""
    audit_record(
        actor=actor,
        action="reveal",
        target=person,
        after={"field": field},
        note=f"查看{REVEALABLE[field]}",
        org=person.household.street,
    )
    return value
