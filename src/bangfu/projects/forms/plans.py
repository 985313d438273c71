"""Forms of a plan: its fields (SPEC §4), its filter list, the remarks of a filing step, and its
indicators. They read and check the shape of input; the rules live in `projects.filing`."""

from __future__ import annotations

from django import forms

from bangfu.aid.models import AidKind
from bangfu.core.forms import Form, MoneyField
from bangfu.core.listing import ListFilterForm, search_field
from bangfu.funds.models import FundSource
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.registry.models import Category

from ..models import Dimension, PlanState, Project
from ..targets import Target


def _count(label: str, *, max_value: int = 150, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=max_value, required=required)


def area_choices(owner: Organisation | None) -> list:
    """The districts and streets a plan of this owner may name (grouped by district): the whole
    city for the foundation, the district's own streets for a district."""
    if owner is not None and owner.kind == OrgKind.DISTRICT:
        streets = Organisation.objects.filter(parent=owner, kind=OrgKind.STREET).order_by("code")
        return [(s.code, s.name) for s in streets]
    districts = list(Organisation.objects.filter(kind=OrgKind.DISTRICT).order_by("code"))
    streets: dict[int, list] = {}
    for s in Organisation.objects.filter(kind=OrgKind.STREET, parent__in=districts).order_by("code"):
        streets.setdefault(s.parent_id, []).append((s.code, s.name))
    return [(d.name, [(d.code, f"{d.name}（全区）"), *streets.get(d.pk, [])]) for d in districts]


class PlanForm(Form):
    owner = forms.ModelChoiceField(label="项目主体", queryset=Organisation.objects.none())
    title = forms.CharField(label="项目名称", max_length=200)
    purpose = forms.CharField(label="项目目的", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # The target group (帮扶对象条件): a saved query over the registry (`projects.targets.Target`).
    categories = forms.MultipleChoiceField(
        label="家庭类别（不选为不限）", choices=Category.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    areas = forms.MultipleChoiceField(
        label="实施区域（不选为项目主体的全部范围）", choices=(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip
    age_min = _count("年龄下限（周岁）")
    age_max = _count("年龄上限（周岁）")
    serious_illness = forms.BooleanField(label="成员患大重病", required=False)
    disability = forms.BooleanField(label="成员残疾", required=False)
    lost_work_capacity = forms.BooleanField(label="成员完全丧失劳动能力", required=False)
    size_min = _count("家庭人数下限")
    size_max = _count("家庭人数上限")
    aid_kind = forms.ChoiceField(label="帮扶方式", choices=AidKind.choices)
    unit_value = MoneyField(
        label="每户标准（元）", help_text="资金帮扶为每户金额；实物为单位价值；服务为每户服务价值。"
    )
    item = forms.CharField(label="物品或服务内容（实物、服务帮扶必填）", max_length=100, required=False)
    hours = forms.DecimalField(
        label="服务时数（服务帮扶必填）", max_digits=8, decimal_places=2, min_value=0, required=False
    )
    budget = MoneyField(label="预算（元）", required=False)
    fund_source = forms.ModelChoiceField(
        label="资金来源", queryset=FundSource.objects.none(), required=False,
        help_text="只列出本项目可以使用的资金来源（专款专用）；基金会项目使用市级福彩金。",
    )  # fmt: skip
    period_start = forms.DateField(label="实施期起", required=False)
    period_end = forms.DateField(label="实施期止", required=False)
    target_households = forms.IntegerField(label="计划帮扶户数", min_value=0, max_value=10_000_000, initial=0)

    def __init__(self, *args, owners=(), owner=None, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        owners = list(owners)
        if owner is not None or len(owners) == 1:
            del self.fields["owner"]  # a plan is its drafter's own organisation's
            self.fixed_owner = owner or owners[0]
        else:
            self.fixed_owner = None
            self.fields["owner"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in owners])
        self.fields["areas"].choices = area_choices(self.fixed_owner)
        self.fields["fund_source"].queryset = FundSource.objects.filter(pk__in=[s.pk for s in sources])

    def clean(self):
        data = super().clean()
        for low, high, label in (("age_min", "age_max", "年龄"), ("size_min", "size_max", "家庭人数")):
            lo, hi = data.get(low), data.get(high)
            if lo is not None and hi is not None and lo > hi:
                self.add_error(high, f"{label}上限不能小于下限。")
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "实施期止不能早于实施期起。")
        return data

    def owner_chosen(self) -> Organisation:
        return self.fixed_owner or self.cleaned_data["owner"]

    def plan_fields(self) -> dict:
        """What `filing.plan_create` / `plan_update` take."""
        d = self.cleaned_data
        target = Target(
            categories=tuple(d["categories"]),
            areas=tuple(d["areas"]),
            age_min=d["age_min"],
            age_max=d["age_max"],
            serious_illness=d["serious_illness"],
            disability=d["disability"],
            lost_work_capacity=d["lost_work_capacity"],
            size_min=d["size_min"],
            size_max=d["size_max"],
        )
        return {
            "title": d["title"],
            "purpose": d["purpose"],
            "target": target,
            "aid_kind": d["aid_kind"],
            "unit_value": d["unit_value"],
            "item": d["item"],
            "hours": d["hours"],
            "budget": d["budget"],
            "fund_source": d["fund_source"],
            "period_start": d["period_start"],
            "period_end": d["period_end"],
            "target_households": d["target_households"] or 0,
        }

    @staticmethod
    def initial_for(project: Project) -> dict:
        target = Target.from_json(project.target)
        return {
            "title": project.title,
            "purpose": project.purpose,
            "categories": list(target.categories),
            "areas": list(target.areas),
            "age_min": target.age_min,
            "age_max": target.age_max,
            "serious_illness": target.serious_illness,
            "disability": target.disability,
            "lost_work_capacity": target.lost_work_capacity,
            "size_min": target.size_min,
            "size_max": target.size_max,
            "aid_kind": project.aid_kind,
            "unit_value": project.unit_value,
            "item": project.item,
            "hours": project.hours,
            "budget": project.budget or None,
            "fund_source": project.fund_source_id,
            "period_start": project.period_start,
            "period_end": project.period_end,
            "target_households": project.target_households,
        }


class PlanFilterForm(ListFilterForm):
    q = search_field("项目名称或编号")
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *PlanState.choices])
    owner_kind = forms.ChoiceField(
        label="项目主体",
        choices=[("", "全部"), (OrgKind.FOUNDATION, "基金会项目"), (OrgKind.DISTRICT, "区项目")],
    )
    lottery = forms.ChoiceField(
        label="资金", choices=[("", "全部"), ("yes", "彩票公益金资助"), ("no", "其他资金")]
    )


class RemarksForm(Form):
    remarks = forms.CharField(
        label="意见", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class IndicatorsForm(Form):
    """The five dimensions' weights (together 100) and each indicator's target and weight."""

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        weights = project.weights or {}
        self.rows = []
        for dim in Dimension:
            self.fields[f"weight_{dim}"] = forms.IntegerField(
                label=f"{dim.label}权重", min_value=0, max_value=100, initial=weights.get(str(dim), 0)
            )
        for i in project.indicators.all():
            self.fields[f"target_{i.pk}"] = forms.DecimalField(
                label=f"{i.name}目标值", max_digits=14, decimal_places=2, min_value=0, initial=i.target
            )
            self.fields[f"iweight_{i.pk}"] = forms.DecimalField(
                label=f"{i.name}指标权重", max_digits=6, decimal_places=2, min_value=0, initial=i.weight
            )
            self.rows.append(i)

    def clean(self):
        data = super().clean()
        weights = [data.get(f"weight_{d}") for d in Dimension]
        if all(w is not None for w in weights) and sum(weights) != 100:
            self.add_error(None, f"五个维度的权重合计须为100，现为{sum(weights)}。")
        return data

    def dimension_fields(self):
        return [self[f"weight_{d}"] for d in Dimension]

    def indicator_rows(self):
        return [(i, self[f"target_{i.pk}"], self[f"iweight_{i.pk}"]) for i in self.rows]

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "weights": {str(dim): d[f"weight_{dim}"] for dim in Dimension},
            "targets": {i.pk: d[f"target_{i.pk}"] for i in self.rows},
            "indicator_weights": {i.pk: d[f"iweight_{i.pk}"] for i in self.rows},
        }
