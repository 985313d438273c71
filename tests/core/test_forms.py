"""Every form of the platform stands on the one base (`bangfu.core.forms.Form` / `ModelForm`):
the same Chinese message for a field left empty on every page, no ASCII colon, 请选择 for
`---------`, and the one date input (type=date, ISO value)."""

import importlib
import pkgutil
import re
from datetime import date
from pathlib import Path

import pytest
from django import forms as django_forms
from django.urls import reverse

import bangfu
from bangfu.core.forms import CHOOSE, ChineseFormMixin, DateInput, FactDateField, Form, ModelForm
from bangfu.registry.models import Means
from tests.cases import factories
from tests.cases.test_permissions import _to_reviewing
from tests.registry.conftest import household_a, new_household, system  # noqa: F401

ISO_DAY = "2026-12-01 00:30"  # Shanghai's 1 December while it is still 30 November in UTC


def _bangfu_forms() -> list[type]:
    for module in pkgutil.walk_packages(bangfu.__path__, "bangfu."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "admin"):
            importlib.import_module(module.name)
    found, todo = [], [django_forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("bangfu.") and not cls.__module__.startswith("bangfu.core."):
            found.append(cls)
    return found


def test_every_form_of_every_app_uses_the_chinese_base():
    found = _bangfu_forms()
    apps = {cls.__module__.split(".")[1] for cls in found}
    assert {"registry", "cases", "discovery", "funds", "policy", "orgs"} <= apps
    assert len(found) >= 45, sorted(cls.__qualname__ for cls in found)
    strays = [
        f"{cls.__module__}.{cls.__qualname__}" for cls in found if not issubclass(cls, ChineseFormMixin)
    ]
    assert strays == []


def test_every_declared_date_field_gets_the_one_date_input():
    for cls in _bangfu_forms():
        for name, field in cls.base_fields.items():
            if isinstance(field, django_forms.DateField):
                # Django's default widget is replaced by the base; any other must be the one input.
                assert type(field.widget) is django_forms.DateInput or isinstance(field.widget, DateInput), (
                    f"{cls.__qualname__}.{name}"
                )


def test_no_app_defines_a_date_input_of_its_own():
    root = bangfu.__path__[0]
    for module in pkgutil.walk_packages(bangfu.__path__, "bangfu."):
        path = f"{root}/{module.name.removeprefix('bangfu.').replace('.', '/')}.py"
        if module.ispkg or module.name == "bangfu.core.forms":
            continue
        source = Path(path).read_text(encoding="utf-8")
        assert not re.search(r"DateInput\(|[\"']type[\"']\s*:\s*[\"']date", source), module.name


def test_the_base_names_the_field_and_gives_one_date_input():
    class Plain(Form):
        name = django_forms.CharField(label="姓名")
        street = django_forms.ChoiceField(label="街镇", choices=[("", "---------"), ("1", "华阳路")])
        upload = django_forms.FileField(label="文件（PDF/JPEG/PNG，不超过10MB）")
        amount = django_forms.CharField(label="金额（元）")
        due = django_forms.DateField(label="期限", initial=date(2026, 12, 1))
        seen = FactDateField(label="调查日期", initial=date(2026, 12, 1))
        own = django_forms.CharField(label="说明", error_messages={"required": "请写明理由。"})

    class Model(ModelForm):
        class Meta:
            model = Means
            fields = ("as_of", "kind")

    form = Plain({})
    assert form.errors == {
        "name": ["请填写姓名。"], "street": ["请选择街镇。"], "upload": ["请上传文件。"], "amount": ["请填写金额。"],
        "due": ["请填写期限。"], "seen": ["请填写调查日期。"], "own": ["请写明理由。"],
    }  # fmt: skip
    assert Plain({"due": "2026-13-01"}).errors["due"] == ["请填写有效的日期。"]
    html = str(Plain())
    assert '<label for="id_name">姓名</label>' in html and "---------" not in html and CHOOSE in html
    assert 'type="date" name="due" value="2026-12-01"' in html
    assert 'type="date" name="seen" value="2026-12-01"' in html
    class Later(Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["donor"] = django_forms.CharField(label="捐赠方")
            self.fields["day"] = django_forms.DateField(label="到账日期", initial=date(2026, 12, 1))

    assert Later({}).errors == {"donor": ["请填写捐赠方。"], "day": ["请填写到账日期。"]}
    assert 'type="date" name="day" value="2026-12-01"' in str(Later())
    model_form = Model({})
    assert model_form.errors == {"as_of": ["请填写核定日期。"], "kind": ["请选择类别。"]}
    html = str(Model(initial={"as_of": date(2026, 12, 1)}))
    assert 'type="date" name="as_of" value="2026-12-01"' in html and CHOOSE in html


# --- the same message on every app's pages ----------------------------------------------------


def _field_error(response, message: str) -> None:
    assert response.status_code in (200, 400)  # the case's action page answers 400 to bad input
    body = response.content.decode()
    assert f'<div class="field-error" role="alert">{message}</div>' in body, message
    assert "这个字段是必填项" not in body


@pytest.mark.django_db
def test_a_registry_form_says_which_field_is_empty(cast, login, household_a):  # noqa: F811
    head = household_a.members.get(relationship="head")
    url = f"/households/{household_a.pk}/members/{head.pk}/means/new/"
    r = login(cast.intake_a).post(url, {"kind": "", "amount": ""})
    _field_error(r, "请选择类别。")
    _field_error(r, "请填写金额。")


@pytest.mark.django_db
def test_a_case_form_says_which_field_is_empty(cast, login, street_funds):
    c = factories.case(cast.intake_a)
    r = login(cast.assessor_a).post(reverse("cases:action", args=[c.pk, "investigate"]), {"income": ""})
    _field_error(r, "请填写家庭收入情况。")
    _field_error(r, "请填写调查日期。")


@pytest.mark.django_db
def test_a_funds_form_says_which_field_is_empty(cast, login):
    r = login(cast.foundation_fin).post("/funds/sources/new/", {"code": "", "name": "", "kind": ""})
    _field_error(r, "请填写名称。")
    _field_error(r, "请选择来源类别。")


# --- the case forms' dates arrive in their inputs ---------------------------------------------


def _date_input(response, name: str, value: str) -> None:
    assert response.status_code == 200
    found = re.search(rf'<input type="date" name="{name}" value="([^"]*)"', response.content.decode())
    assert found and found.group(1) == value, name


@pytest.mark.parametrize("today", [ISO_DAY], indirect=True)
def test_the_case_forms_show_their_dates_as_iso(today, cast, login, roster, street_funds):
    h = factories.household()
    _date_input(login(cast.intake_a).get(reverse("cases:new", args=[h.pk])), "application_date", "2026-12-01")
    visit = login(cast.assessor_a).get(reverse("discovery:visit_new", args=[h.pk]))
    _date_input(visit, "visited_on", "2026-12-01")
    _date_input(visit, "next_visit_due", "2027-03-01")  # 90 days on
    c = factories.case(cast.intake_a)
    _date_input(login(cast.assessor_a).get(reverse("cases:action", args=[c.pk, "investigate"])), "visited_on",
                "2026-12-01")  # fmt: skip
    reviewing = _to_reviewing(cast)
    _date_input(login(cast.panel_a).get(reverse("cases:action", args=[reviewing.pk, "review"])), "meeting_date",
                "2026-12-01")  # fmt: skip
