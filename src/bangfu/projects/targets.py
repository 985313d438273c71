"""A project's target group (帮扶对象条件, SPEC §4): a saved query over the registry.

Kept on the plan as JSON (`Project.target`) and read back as a `Target`. A household is in the
group on a day when it is on file (在册), in the area, holds one of the categories on that day
(any, when none is named), has a number of members within the size range, and — when any
person condition is set — has one member who meets them all (the age range on that day, serious
illness, disability, loss of work capacity): that member is the beneficiary.

The area is a list of organisation codes (districts or streets); empty means the whole area of
the plan's owner (the city for the foundation, the district for a district organisation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import descendants
from bangfu.registry.models import Category, Household, HouseholdCategory, HouseholdStatus, Person


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Target:
    categories: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()  # organisation codes: districts or streets
    age_min: int | None = None
    age_max: int | None = None
    serious_illness: bool = False
    disability: bool = False
    lost_work_capacity: bool = False
    size_min: int | None = None
    size_max: int | None = None

    # --- stored form -------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: dict | None) -> Target:
        data = data or {}
        return cls(
            categories=tuple(data.get("categories") or ()),
            areas=tuple(data.get("areas") or ()),
            age_min=data.get("age_min"),
            age_max=data.get("age_max"),
            serious_illness=bool(data.get("serious_illness")),
            disability=bool(data.get("disability")),
            lost_work_capacity=bool(data.get("lost_work_capacity")),
            size_min=data.get("size_min"),
            size_max=data.get("size_max"),
        )

    def to_json(self) -> dict:
        data = asdict(self)
        data["categories"] = list(self.categories)
        data["areas"] = list(self.areas)
        return data

    def checked(self, owner: Organisation) -> Target:
        """The target, refused with a Chinese message naming the field when it cannot be read
        or reaches outside the owner's area."""
        known = set(Category.values)
        for code in self.categories:
            if code not in known:
                raise Refused(f"帮扶对象类别“{code}”不存在。", code="invalid_input", field="categories")
        orgs = {o.code: o for o in Organisation.objects.filter(code__in=self.areas)}
        allowed = None if owner.kind == OrgKind.FOUNDATION else descendants([owner.pk])
        for code in self.areas:
            org = orgs.get(code)
            if org is None or org.kind not in (OrgKind.DISTRICT, OrgKind.STREET):
                raise Refused(f"实施区域“{code}”不是区或街镇。", code="invalid_input", field="areas")
            if allowed is not None and org.pk not in allowed:
                raise Refused(
                    f"实施区域“{org.name}”不在{owner.name}的范围内。", code="invalid_input", field="areas"
                )
        for name, label in (
            ("age_min", "年龄下限"),
            ("age_max", "年龄上限"),
            ("size_min", "家庭人数下限"),
            ("size_max", "家庭人数上限"),
        ):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 150
            ):
                raise Refused(f"{label}须为0至150之间的整数。", code="invalid_input", field=name)
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise Refused("年龄下限不能大于年龄上限。", code="invalid_input", field="age_max")
        if self.size_min is not None and self.size_max is not None and self.size_min > self.size_max:
            raise Refused("家庭人数下限不能大于家庭人数上限。", code="invalid_input", field="size_max")
        return self

    # --- the query ---------------------------------------------------------------------------

    @property
    def has_person_conditions(self) -> bool:
        return (
            self.age_min is not None
            or self.age_max is not None
            or self.serious_illness
            or self.disability
            or self.lost_work_capacity
        )

    def person_q(self, day: date, prefix: str = "") -> Q:
        """The person conditions, as a filter on `Person` (fields under `prefix`)."""
        q = Q(**{f"{prefix}active": True})
        if self.age_min is not None:
            q &= Q(**{f"{prefix}birth_date__lte": _years_before(day, self.age_min)})
        if self.age_max is not None:
            q &= Q(**{f"{prefix}birth_date__gt": _years_before(day, self.age_max + 1)})
        for flag in ("serious_illness", "disability", "lost_work_capacity"):
            if getattr(self, flag):
                q &= Q(**{f"{prefix}{flag}": True})
        return q

    def area_ids(self, owner: Organisation) -> set[int] | None:
        """The organisations of the area (None: the whole city)."""
        if self.areas:
            return descendants(Organisation.objects.filter(code__in=self.areas).values_list("pk", flat=True))
        if owner.kind == OrgKind.FOUNDATION:
            return None
        return descendants([owner.pk])

    def households(self, owner: Organisation, day: date) -> QuerySet:
        """The households in the group on `day`."""
        qs = Household.objects.filter(status=HouseholdStatus.ACTIVE)
        area = self.area_ids(owner)
        if area is not None:
            qs = qs.filter(street_id__in=area)
        if self.categories:
            current = HouseholdCategory.objects.filter(
                household=OuterRef("pk"), category__in=list(self.categories), valid_from__lte=day
            ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            qs = qs.filter(Exists(current))
        if self.has_person_conditions:
            qs = qs.filter(Exists(Person.objects.filter(self.person_q(day), household=OuterRef("pk"))))
        if self.size_min is not None or self.size_max is not None:
            qs = qs.annotate(_size=Count("members", filter=Q(members__active=True)))
            if self.size_min is not None:
                qs = qs.filter(_size__gte=self.size_min)
            if self.size_max is not None:
                qs = qs.filter(_size__lte=self.size_max)
        return qs

    def beneficiary(self, household: Household, day: date) -> Person | None:
        """The member the aid is for: the first meeting the person conditions, else the head."""
        members = Person.objects.filter(household=household, active=True).order_by("id")
        if self.has_person_conditions:
            return members.filter(self.person_q(day)).first()
        return members.filter(relationship="head").first() or members.first()

    def describe(self) -> list[str]:
        """The conditions in words, one line each, for the plan's page."""
        lines = []
        if self.categories:
            labels = dict(Category.choices)
            lines.append("家庭类别：" + "、".join(labels.get(c, c) for c in self.categories))
        if self.areas:
            names = dict(Organisation.objects.filter(code__in=self.areas).values_list("code", "name"))
            lines.append("实施区域：" + "、".join(names.get(c, c) for c in self.areas))
        if self.age_min is not None or self.age_max is not None:
            if self.age_max is None:
                lines.append(f"年龄：{self.age_min}周岁及以上")
            elif self.age_min is None:
                lines.append(f"年龄：{self.age_max}周岁及以下")
            else:
                lines.append(f"年龄：{self.age_min}至{self.age_max}周岁")
        for flag, label in (
            ("serious_illness", "患大重病"),
            ("disability", "残疾"),
            ("lost_work_capacity", "完全丧失劳动能力"),
        ):
            if getattr(self, flag):
                lines.append(f"成员条件：{label}")
        if self.size_min is not None or self.size_max is not None:
            lo = self.size_min if self.size_min is not None else 1
            lines.append(
                f"家庭人数：{lo}人及以上" if self.size_max is None else f"家庭人数：{lo}至{self.size_max}人"
            )
        return lines or ["不限（项目主体范围内所有在册家庭）"]
