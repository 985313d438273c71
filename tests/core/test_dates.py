"""Dates are shown one way, 2026年12月1日, never ISO in text people read: the filters, the
messages, the PDFs and the timeline all go through `core.dates.cn_date` / `cn_datetime`."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.template import Context, Template

import bangfu
from bangfu.core.dates import cn_date, cn_datetime

SRC = Path(bangfu.__file__).parent
# 23:30 UTC on 30 November is 1 December in Shanghai.
LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(date(2026, 12, 1), "2026年12月1日"), (LATE, "2026年12月1日"), ("2026-12-31", "2026年12月31日")],
)
def test_a_date_a_moment_and_a_snapshots_iso_text_read_the_same(value, shown):
    assert cn_date(value) == shown
    assert Template("{% load bangfu %}{{ v|cndate }}").render(Context({"v": value})) == shown


def test_a_moment_with_its_time_in_shanghai():
    assert cn_datetime(LATE) == "2026年12月1日 07:30"
    assert cn_datetime(LATE + timedelta(hours=1)) == "2026年12月1日 08:30"


def test_text_that_is_no_date_passes_the_filter_unchanged():
    assert (
        Template("{% load bangfu %}{{ v|cndate }}|{{ n|cndate }}").render(Context({"v": "长期", "n": None}))
        == "长期|—"
    )


def _python_sources():
    for path in SRC.rglob("*.py"):
        if "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_no_message_formats_a_date_as_iso():
    # `{day:%Y-%m-%d}` or `.isoformat()` inside Chinese text is an ISO date in what people read;
    # ISO stays only where machines read it (JSON, the audit data, the engine's request).
    cjk = re.compile(r"[\u4e00-\u9fff]")
    found = []
    for path, source in _python_sources():
        for n, line in enumerate(source.splitlines(), 1):
            if re.search(r"\{[^{}]*:%Y-%m-%d", line) or (
                ".isoformat()" in line and 'f"' in line and cjk.search(line)
            ):
                found.append(f"{path.relative_to(SRC)}:{n}")
    assert found == []


def test_templates_show_dates_through_the_filters():
    # A field named like a date printed bare would show Django's own format (or ISO, for a
    # snapshot's text): every one goes through |cndate or |cndatetime.
    bare = re.compile(r"\{\{\s*[\w.]*(date|_on|_at|_due|valid_from|valid_to|since|as_of)\s*\}\}")
    found = []
    for path in SRC.rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if bare.search(line):
                found.append(f"{path.relative_to(SRC)}:{n}")
    assert found == []
