"""Paging a long list without counting it.

A COUNT(*) over 300,000 households costs more than the page itself; people page
forward and back and refine their search instead of jumping to page 8,231. So a page
fetches one row more than it shows, which is enough to know whether there is a next.
"""

from dataclasses import dataclass


@dataclass
class Page:
    rows: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]


def page_without_count(qs, number, per_page: int = 20, max_page: int = 10_000) -> Page:
    try:
        number = max(1, min(int(number), max_page))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    return Page(rows=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)
