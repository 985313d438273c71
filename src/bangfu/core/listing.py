"""One way to make a list page: filters read by a form from the query string, a sort chosen from
the list's own columns, and a page fetched without counting.

A view takes its rows already scoped (its app's selector), lets its filter form narrow them
(`ListFilterForm.filters()`: only the values that are valid), and hands them to `make_listing`
with the columns people may sort by. `?sort=col` sorts ascending, `?sort=-col` descending; a key
that is not a column is ignored (never passed to `order_by`), so the URL cannot reach any field
the list does not show. Everything lives in the URL (GET), so a link, a reload or the pager keeps
it: `web/_pager.html` and the `{% sort_th %}` header tag (`web/templatetags/listing.py`) carry the
other query parameters along.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import F, QuerySet

from .forms import Form
from .paging import Page, page_without_count

# A column sorts a queryset by these fields (ascending; descending reverses each), or a list of
# rows by this key function. The primary key always breaks ties, so pages never overlap.
SortSpec = Sequence[str] | Callable[[Any], Any]


def search_field(placeholder: str) -> forms.CharField:
    return forms.CharField(
        label="查找", max_length=60, widget=forms.TextInput(
            attrs={"type": "search", "placeholder": placeholder, "autocomplete": "off"}
        ),
    )  # fmt: skip


def date_from_field(label: str = "起始日期") -> forms.DateField:
    return forms.DateField(label=label)


def date_to_field(label: str = "截止日期") -> forms.DateField:
    return forms.DateField(label=label)


class ListFilterForm(Form):
    """A list's filters. Bound to request.GET; every field optional. A form with `date_from` and
    `date_to` refuses a range that ends before it starts."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def offer(self, name: str, queryset) -> None:
        """Offer the choice among `queryset` (organisations in the user's scope), or leave the
        filter out where there is only one to choose: a street worker's own street is noise."""
        if queryset.count() <= 1:
            del self.fields[name]
        else:
            self.fields[name].queryset = queryset

    def filters(self) -> dict:
        """The filters given and valid; an invalid one is shown on the form and left out."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [], ())}


@dataclass
class Listing:
    page: Page
    sort: str  # the sort in force, as in the URL: "col" or "-col"
    form: Form | None = None

    @property
    def sort_column(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def filtered(self) -> bool:
        return bool(self.form is not None and self.form.is_bound and self.form.filters())


def chosen_sort(value: str | None, sorts: dict[str, SortSpec], default: str) -> str:
    """The `?sort=` value if it names a column of `sorts`, else the default."""
    value = (value or "").strip()
    return value if value.lstrip("-") in sorts and value.count("-") <= 1 else default


def sorted_rows(rows, sorts: dict[str, SortSpec], sort: str):
    column, descending = sort.lstrip("-"), sort.startswith("-")
    spec = sorts[column]
    if isinstance(rows, QuerySet):
        if callable(spec):
            raise TypeError(f"column {column!r} sorts rows in Python; give field names for a queryset")
        order = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in spec]
        return rows.order_by(*order, "-pk" if descending else "pk")
    if not callable(spec):
        raise TypeError(f"column {column!r} needs a key function to sort a list")
    # Rows without a value go last both ways, as in the database (NULLS LAST).
    present = [r for r in rows if spec(r) is not None]
    absent = [r for r in rows if spec(r) is None]
    return sorted(present, key=spec, reverse=descending) + absent


def make_listing(
    request,
    rows,
    *,
    sorts: dict[str, SortSpec],
    default: str,
    form: Form | None = None,
    per_page: int = 20,
    presorted: bool = False,
) -> Listing:
    """Sort `rows` (a scoped queryset, or a list) by the chosen column and fetch the asked page.

    `presorted`: without a valid `?sort=` the rows keep the order they came in (a queue with an
    order of its own) and no column is marked; a valid `?sort=` still wins.
    """
    sort = chosen_sort(request.GET.get("sort"), sorts, "" if presorted else default)
    if sort:
        rows = sorted_rows(rows, sorts, sort)
    page = page_without_count(rows, request.GET.get("page"), per_page)
    return Listing(page=page, sort=sort, form=form)
