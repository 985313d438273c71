"""Pages of the registry: parse the request, call one selector or service, render.

Reads go through the selectors (which take the user and keep to their scope); a record
outside scope is a 404. Writes go through the services; a refusal becomes a form
error on the field it names (`bangfu.core.views`), never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.utils import ErrorList
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.audit.services import ACTION_LABELS
from bangfu.core.dates import cn_date
from bangfu.core.listing import make_listing
from bangfu.core.refusal import Refused
from bangfu.core.views import refusals_to, show_refusal
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm, has_perm_at, require_perm, require_perm_somewhere, scope_for

from . import filters, forms, selectors, services
from .models import HouseholdStatus

TARGET_LABELS = {
    "registry.household": "档案",
    "registry.person": "成员",
    "registry.householdcategory": "类别",
    "registry.means": "收入财产",
}


def _apply_error(exc: Refused, form, formset) -> None:
    """Put a service's refusal on the field it names (members.<i>.<field> for the formset)."""
    field = exc.field or ""
    if field.startswith("members."):
        _, index, name = field.split(".", 2)
        rows = formset.member_forms()
        if int(index) < len(rows) and name in rows[int(index)].fields:
            rows[int(index)].add_error(name, exc.message)
            return
    if field == "members":
        formset._non_form_errors.append(exc.message)
    else:
        show_refusal(form, exc)


def _streets(user, perm: str):
    return scope_for(user, perm).filter(Organisation.objects.filter(kind=OrgKind.STREET, active=True), "pk")


def _warn_ids(request, member_forms) -> None:
    for f in member_forms:
        for warning in getattr(f, "id_warnings", ()):
            messages.warning(request, f"{f.cleaned_data['name']}：{warning}")


# ---------------------------------------------------------------- list and file


@login_required
def household_list(request):
    require_perm_somewhere(request.user, "registry.view")
    form = filters.HouseholdFilterForm(request.GET, streets=_streets(request.user, "registry.view").order_by("code"))
    wanted = form.filters()
    q = wanted.get("q", "")
    street = wanted.get("street")
    qs = selectors.household_search(
        user=request.user, q=q, category=wanted.get("category"), street=street.pk if street else None
    )
    # The selector finds nothing by ID number for those who may not reveal one: say why.
    id_search_refused = selectors.is_id_number_query(q) and not has_perm(request.user, "registry.reveal")
    listing = make_listing(request, qs, sorts=selectors.HOUSEHOLD_SORTS, default="-created", form=form)
    today = timezone.localdate()
    rows = [
        {
            "household": h,
            "head": selectors.household_head(h),
            "size": len(h.active_members),
            "category": selectors.household_category_on(h, today),
        }
        for h in listing.page
    ]
    context = {
        "listing": listing,
        "page": listing.page,
        "form": form,
        "rows": rows,
        "q": q,
        "can_create": has_perm(request.user, "registry.edit"),
        "id_search_refused": id_search_refused,
    }
    return render(request, "registry/household_list.html", context)


def _file_context(request, household, **extra) -> dict:
    user = request.user
    street = household.street_id
    active = household.status == HouseholdStatus.ACTIVE
    members = list(selectors.household_members(user=user, household=household))
    today = timezone.localdate()
    categories = list(household.categories.all())
    for c in categories:
        c.is_current = c.current_on(today)
    return {
        "household": household,
        "members": members,
        "active_members": [m for m in members if m.active],
        "former_members": [m for m in members if not m.active],
        "categories": categories,
        "means": [(m, x) for m in members for x in m.means.all()],
        "current_category": selectors.household_category_on(household, today),
        "history": selectors.household_history(user=user, household=household)[:100],
        "merged_from": household.merged_from.all(),
        "action_labels": ACTION_LABELS,
        "target_labels": TARGET_LABELS,
        "can_edit": active and has_perm_at(user, "registry.edit", street),
        "can_reveal": has_perm_at(user, "registry.reveal", street),
        "can_merge": active and has_perm_at(user, "registry.merge", street),
        "today": today,
        **extra,
    }


@login_required
def household_detail(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    return render(request, "registry/household_detail.html", _file_context(request, household))


@never_cache
@login_required
@require_POST
def sensitive_reveal(request, pk: int, person_pk: int, field: str):
    """Show one full ID number or account on the file page, once, and log that it was seen."""
    household = selectors.household_get(user=request.user, pk=pk)
    person = selectors.person_get(user=request.user, household=household, pk=person_pk)
    if field not in services.REVEALABLE:
        raise Http404
    require_perm(request.user, "registry.reveal", household.street_id)
    value = services.sensitive_reveal(actor=Actor.from_request(request), person=person, field=field)
    context = _file_context(
        request, household, revealed_person=person.pk, revealed_field=field, revealed_value=value
    )
    return render(request, "registry/household_detail.html", context)


# ---------------------------------------------------------------- create and edit


@login_required
def household_create(request):
    require_perm_somewhere(request.user, "registry.edit")
    streets = _streets(request.user, "registry.edit")
    if request.method != "POST":
        form = forms.HouseholdCreateForm(streets=streets)
        formset = forms.MemberFormSet(prefix="m", initial=[{"relationship": "head"}])
        return _render_create(request, form, formset)

    form = forms.HouseholdCreateForm(request.POST, streets=streets)
    formset = forms.MemberFormSet(request.POST, prefix="m")
    if "add_member" in request.POST:
        # The round trip behind the 添加成员 button for browsers without JavaScript.
        data = request.POST.copy()
        data["m-TOTAL_FORMS"] = str(int(data.get("m-TOTAL_FORMS") or 1) + 1)
        form = forms.HouseholdCreateForm(data, streets=streets)
        formset = forms.MemberFormSet(data, prefix="m")
        return _render_create(request, form, formset, validate=False)
    if not (form.is_valid() and formset.is_valid()):
        return _render_create(request, form, formset)

    data = form.cleaned_data
    categories = []
    if data.get("category"):
        categories = [{"category": data["category"], "valid_from": data["category_from"]}]
    rows = formset.member_forms()
    try:
        household = services.household_create(
            actor=Actor.from_request(request),
            street=data["street"],
            address=data["address"],
            phone=data["phone"],
            committee=data.get("committee"),
            members=[f.person_data() for f in rows],
            categories=categories,
        )
    except services.DuplicatePerson as exc:
        _apply_error(exc, form, formset)
        existing = exc.existing.household
        offer_move = exc.visible and has_perm_at(request.user, "registry.edit", existing.street_id)
        if offer_move and exc.field:
            rows[int(exc.field.split(".")[1])].offer_move = True
        return _render_create(request, form, formset, duplicate=exc, offer_move=offer_move)
    except Refused as exc:
        _apply_error(exc, form, formset)
        return _render_create(request, form, formset)
    _warn_ids(request, rows)
    messages.success(request, f"已建档：档案编号 {household.file_number}。")
    return redirect("registry:detail", pk=household.pk)


def _render_create(request, form, formset, validate=True, **extra):
    if not validate:
        # An "add another" round trip is not a submission: show no errors yet.
        form._errors, formset._errors, formset._non_form_errors = {}, [], ErrorList()
        for f in formset.forms:
            f._errors = {}
    context = {"form": form, "formset": formset, **extra}
    return render(request, "registry/household_create.html", context, status=200)


@login_required
def household_edit(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    require_perm(request.user, "registry.edit", household.street_id)
    streets = Organisation.objects.filter(pk=household.street_id)
    initial = {"address": household.address, "phone": household.phone, "committee": household.committee,
               "note": household.note}  # fmt: skip
    form = forms.HouseholdEditForm(request.POST or None, initial=initial, streets=streets)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.household_update(
                actor=Actor.from_request(request), household=household, **form.cleaned_data
            )
        if tried.ok:
            messages.success(request, "家庭信息已保存。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household, "title": "编辑家庭信息"}
    return render(request, "registry/simple_form.html", context)


@login_required
def person_add(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    require_perm(request.user, "registry.edit", household.street_id)
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            person = services.person_add(
                actor=Actor.from_request(request), household=household, **form.person_data()
            )
        if tried.ok:
            _warn_ids(request, [form])
            messages.success(request, f"已添加成员 {person.name}。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household, "title": "添加家庭成员"}
    return render(request, "registry/person_form.html", context)


@login_required
def person_edit(request, pk: int, person_pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    person = selectors.person_get(user=request.user, household=household, pk=person_pk)
    require_perm(request.user, "registry.edit", household.street_id)
    if not person.active:
        raise Http404
    initial = {f: getattr(person, f) for f in services.PERSON_FIELDS if f != "bank_account"}
    form = forms.MemberEditForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.person_update(actor=Actor.from_request(request), person=person, **form.person_data())
        if tried.ok:
            _warn_ids(request, [form])
            messages.success(request, f"成员 {person.name} 的信息已保存。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household, "person": person, "title": f"编辑成员：{person.name}"}
    return render(request, "registry/person_form.html", context)


@login_required
def person_remove(request, pk: int, person_pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    person = selectors.person_get(user=request.user, household=household, pk=person_pk)
    require_perm(request.user, "registry.edit", household.street_id)
    form = forms.RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.person_remove(
                actor=Actor.from_request(request), person=person, reason=form.cleaned_data["reason"]
            )
        if tried.ok:
            messages.success(request, f"已将 {person.name} 移出本户。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household, "person": person, "title": f"移除成员：{person.name}",
               "intro": "移除后该成员不再计入本户，记录与历史仍保留在档案中；其身份证号码可在其他家庭登记。",
               "submit_label": "确认移除", "danger": True}  # fmt: skip
    return render(request, "registry/simple_form.html", context)


@login_required
def means_add(request, pk: int, person_pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    person = selectors.person_get(user=request.user, household=household, pk=person_pk)
    require_perm(request.user, "registry.edit", household.street_id)
    form = forms.MeansForm(request.POST or None, initial={"as_of": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.means_add(actor=Actor.from_request(request), person=person, **form.cleaned_data)
        if tried.ok:
            messages.success(request, f"已登记 {person.name} 的收入与财产。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household, "person": person,
               "title": f"登记收入与财产：{person.name}"}  # fmt: skip
    return render(request, "registry/simple_form.html", context)


@login_required
def category_add(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    require_perm(request.user, "registry.edit", household.street_id)
    form = forms.CategoryForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.category_add(actor=Actor.from_request(request), household=household, **form.cleaned_data)
        if tried.ok:
            messages.success(request, "家庭类别已登记。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household, "title": "登记家庭类别"}
    return render(request, "registry/simple_form.html", context)


@login_required
def category_end(request, pk: int, category_pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    category = selectors.category_get(user=request.user, household=household, pk=category_pk)
    require_perm(request.user, "registry.edit", household.street_id)
    form = forms.CategoryEndForm(request.POST or None, initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.category_end(
                actor=Actor.from_request(request), category=category, valid_to=form.cleaned_data["valid_to"]
            )
        if tried.ok:
            messages.success(request, f"“{category.get_category_display()}”已终止。")
            return redirect("registry:detail", pk=household.pk)
    context = {"form": form, "household": household,
               "title": f"终止家庭类别：{category.get_category_display()}（{cn_date(category.valid_from)}起）"}  # fmt: skip
    return render(request, "registry/simple_form.html", context)


# ---------------------------------------------------------------- merge


@login_required
def household_merge(request, pk: int):
    """Pick the duplicate by file number, preview what moves, confirm with a reason."""
    keep = selectors.household_get(user=request.user, pk=pk)
    require_perm(request.user, "registry.merge", keep.street_id)
    if keep.status != HouseholdStatus.ACTIVE:
        raise Http404
    form = forms.MergeForm(request.POST or request.GET or None)
    duplicate = None
    if form.is_bound and form.is_valid():
        # Looked up within scope: a number the user may not see reads as not found.
        duplicate = selectors.household_by_file_number(
            user=request.user, file_number=form.cleaned_data["duplicate"]
        )
        if duplicate is None or not has_perm_at(request.user, "registry.merge", duplicate.street_id):
            form.add_error("duplicate", "在您的职责范围内未找到该档案编号，请核对。")
            duplicate = None
        elif duplicate.pk == keep.pk:
            form.add_error("duplicate", "不能把档案与其自身合并。")
            duplicate = None
        elif duplicate.status != HouseholdStatus.ACTIVE:
            form.add_error("duplicate", "该档案已合并或注销。")
            duplicate = None
    if duplicate is not None and request.method == "POST" and "confirm" in request.POST:
        with refusals_to(form) as tried:
            services.households_merge(
                actor=Actor.from_request(request),
                keep=keep,
                duplicate=duplicate,
                reason=form.cleaned_data["reason"],
            )
        if tried.ok:
            messages.success(request, f"已将档案 {duplicate.file_number} 合并入本档案。")
            return redirect("registry:detail", pk=keep.pk)
    context = {"form": form, "household": keep, "duplicate": duplicate}
    if duplicate is not None:
        keep_members = list(selectors.household_members(user=request.user, household=keep))
        kept_ids = {p.id_hash for p in keep_members}
        context["keep_members"] = keep_members
        context["keep_has_head"] = any(p.active and p.relationship == "head" for p in keep_members)
        context["dup_members"] = [
            (p, p.id_hash in kept_ids)
            for p in selectors.household_members(user=request.user, household=duplicate)
        ]
        context["dup_categories"] = duplicate.categories.all()
    return render(request, "registry/household_merge.html", context)
