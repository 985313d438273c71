"""The what-if: a draft over a period's real cases, on the command line and in the interface.

The cases are made through the case services (and one is paid through the HTTP procedure);
the expected figures are worked out by hand from 长民发〔2016〕31号: medical aid is 60% of the
self-paid costs for dibao, 40% for the others (三(一)), at most 80,000 a household a year
(三(四)). The draft raises the rate of the others to 50%.
"""

import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bangfu.audit.actor import Actor
from bangfu.cases import services as case_services
from bangfu.jobs.models import Job
from tests.cases import factories
from tests.cases.conftest import INVESTIGATION, post_confirmed, review_data
from tests.policy.drafts import changning_2022

pytestmark = pytest.mark.django_db

PARAMS = Path(__file__).parents[2] / "src" / "bangfu" / "policy" / "params" / "changning-2016.toml"


def draft_file(tmp_path, *, rate_other="0.50", district="310105", code="changning-2022") -> Path:
    """A next version of Changning's rules: valid from 2022, the rate of the others changed."""
    text = PARAMS.read_text(encoding="utf-8")
    text = text.replace('id = "changning-2016"', f'id = "{code}"')
    text = text.replace('district = "310105"', f'district = "{district}"')
    text = text.replace("valid_from = 2016-07-01", "valid_from = 2022-01-01")
    text = text.replace("valid_to = 2021-12-31", "valid_to = 2026-12-31")
    text = text.replace("values.2016-07-01", "values.2022-01-01")
    head, _, tail = text.partition("[medical.rate.other]")
    tail = tail.replace('value = "0.40"', f'value = "{rate_other}"', 1)
    path = tmp_path / f"{code}.toml"
    path.write_text(head + "[medical.rate.other]" + tail, encoding="utf-8")
    return path


def run(*args) -> str:
    out = []

    class Out:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("policy", "what-if", *args, stdout=Out())
    return "".join(out)


def pay(client, user_of, case, roster, amount="4000.00"):
    """Investigation, panel, approval and payment of one case, each by its role, over HTTP."""

    def act(user, action, **data):
        client.force_login(user)
        r = client.post(reverse("cases:action", args=[case.pk, action]), data)
        assert r.status_code == 302, r.content.decode()[:500]

    act(user_of.assessor_a, "investigate", **INVESTIGATION)
    act(user_of.panel_a, "review", **review_data(roster, amount=amount))
    act(user_of.approver_a, "approve", amount=amount)
    factories.fund_street(case.street.code, amount=amount)  # a case is paid only from its street's money
    client.force_login(user_of.cashier_a)
    r = post_confirmed(client, case, {"method": "cash", "idempotency_key": str(uuid.uuid4())})
    assert r.status_code == 302, r.content.decode()[:500]


@pytest.fixture
def roster(db):
    return factories.panel()


@pytest.fixture
def period_cases(cast, roster, client):
    """Five cases of 2021 in Changning that count, and four that must not."""
    user = cast.intake_a
    other_a = factories.household(category="other")
    factories.case(user, other_a)  # 4,000 -> 5,000
    dibao_b = factories.household("310105002", category="dibao")
    factories.case(cast.intake_b, dibao_b)  # 6,000 -> 6,000
    capped = factories.household(category="other")  # two big bills: the annual cap chains
    factories.case(user, capped, invoices=((Decimal("150000.00"),),))  # 60,000 -> 75,000
    factories.case(
        user, capped, invoices=((Decimal("150000.00"),),), application_date=date(2021, 6, 1)
    )  # 20,000 -> 5,000 (what is left of 80,000)
    paid = factories.case(user, factories.household(category="dibao"))  # 6,000 -> 6,000, paid 4,000
    pay(client, cast, paid, roster)

    withdrawn = factories.case(user, factories.household(category="other"))
    case_services.case_transition(
        case=withdrawn, action="withdraw", actor=Actor.for_user(user, "test"), comment="申请人自愿撤回。"
    )
    factories.case(
        user, factories.household(category="other"), invoices=(), application_date=date(2020, 12, 31)
    )
    incomplete = factories.case(user, factories.household(category="other"))
    incomplete.applicant.hukou_district = None
    incomplete.applicant.save()
    factories.case(cast.intake_hp, factories.household("310101002", category="other"))
    return {"incomplete": incomplete}


def test_cli_prints_the_cost_difference_by_street_and_category(tmp_path, period_cases):
    out = run(
        "--draft", str(draft_file(tmp_path)), "--district", "310105", "--from", "2021-01-01", "--to", "2021-12-31"
    )  # fmt: skip
    assert "草案 changning-2022，长宁区（310105）" in out
    assert "changning-2016" in out and "共测算 5 件个案" in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    # street: cases, paid, in force, draft, difference, change
    assert lines["华阳路街道"][:5] == ["4", "¥4,000.00", "¥90,000.00", "¥91,000.00", "+¥1,000.00"]
    assert lines["江苏路街道"][:5] == ["1", "¥0.00", "¥6,000.00", "¥6,000.00", "¥0.00"]
    assert lines["低保家庭"][:5] == ["2", "¥4,000.00", "¥12,000.00", "¥12,000.00", "¥0.00"]
    assert lines["其他"][:5] == ["3", "¥0.00", "¥84,000.00", "¥85,000.00", "+¥1,000.00"]
    assert lines["大重病医疗帮扶"][:5] == ["5", "¥4,000.00", "¥96,000.00", "¥97,000.00", "+¥1,000.00"]
    assert "须报区审批：现行 1 件，草案 1 件" in out
    number = period_cases["incomplete"].number
    assert f"{number}（现行政策）：申请人未登记户籍区" in out and f"{number}（草案）" in out


def test_cli_json_has_the_same_figures(tmp_path, period_cases):
    out = run(
        "--draft", str(draft_file(tmp_path)), "--district", "310105", "--from", "2021-01-01",
        "--to", "2021-12-31", "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert data["total"]["in_force"] == "96000.00" and data["total"]["draft"] == "97000.00"
    assert data["total"]["difference"] == "1000.00" and data["total"]["paid"] == "4000.00"
    streets = {r["key"]: r for r in data["by_street"]}
    assert set(streets) == {"310105001", "310105002"}
    assert streets["310105001"]["district_level_in_force"] == 1
    assert {s["scenario"] for s in data["skipped"]} == {"in_force", "draft"}
    assert data["newly_eligible"] == data["no_longer_eligible"] == 0


def test_a_lower_rate_saves_money_and_the_period_bounds_hold(tmp_path, period_cases):
    out = run(
        "--draft", str(draft_file(tmp_path, rate_other="0.30")), "--district", "310105",
        "--from", "2021-03-16", "--to", "2021-12-31", "--json",
    )  # fmt: skip
    data = json.loads(out)
    # Only the second big bill is in the period: 40% of 150,000 against 30% of it.
    assert data["total"]["cases"] == 1
    assert (data["total"]["in_force"], data["total"]["draft"]) == ("60000.00", "45000.00")
    assert data["total"]["difference"] == "-15000.00"


def test_aid_paid_before_the_period_counts_against_the_annual_cap(tmp_path, cast, roster, client):
    h = factories.household(category="dibao")
    first = factories.case(cast.intake_a, h)
    pay(client, cast, first, roster, amount="4000.00")
    factories.case(cast.intake_a, h, invoices=((Decimal("200000.00"),),), application_date=date(2021, 6, 1))
    data = json.loads(
        run(
            "--draft",
            str(draft_file(tmp_path)),
            "--district",
            "310105",
            "--from",
            "2021-04-01",
            "--to",
            "2021-12-31",
            "--json",
        )
    )
    # 60% of 200,000 is 120,000; 80,000 a year less the 4,000 paid in March leaves 76,000.
    assert (data["total"]["in_force"], data["total"]["draft"]) == ("76000.00", "76000.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--district", "310105", "--from", "2021-13-01", "--to", "2021-12-31"), "--from 须为日期"),
        (("--district", "310105", "--from", "2021-12-31", "--to", "2021-01-01"), "晚于截止日期"),
        (("--district", "999999", "--from", "2021-01-01", "--to", "2021-12-31"), "没有代码为 999999 的区"),
        (("--district", "310101", "--from", "2021-01-01", "--to", "2021-12-31"), "不能用于测算黄浦区"),
    ],
)
def test_cli_refuses_bad_arguments_in_chinese(tmp_path, args, message):
    with pytest.raises(CommandError) as e:
        run("--draft", str(draft_file(tmp_path)), *args)
    assert message in str(e.value) and e.value.returncode == 2


def test_cli_refuses_a_missing_or_broken_draft_file(tmp_path):
    period = ("--district", "310105", "--from", "2021-01-01", "--to", "2021-12-31")
    with pytest.raises(CommandError, match="不存在"):
        run("--draft", str(tmp_path / "none.toml"), *period)
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy\nid = 1", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 TOML"):
        run("--draft", str(bad), *period)
    headless = tmp_path / "headless.toml"
    headless.write_text("[policy]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少必填项"):
        run("--draft", str(headless), *period)
    unknown = draft_file(tmp_path)
    unknown.write_text(
        unknown.read_text(encoding="utf-8") + '\n[medical.rate.nobody]\nvalues.2022-01-01 = { value = "0.1", '
        'reference = "x" }\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"未知参数 medical\.rate\.nobody"):
        run("--draft", str(unknown), *period)


# --- the interface ----------------------------------------------------------------------------


@pytest.fixture
def db_draft(cast):
    return changning_2022(cast.district_cn)


@pytest.fixture
def page(django_capture_on_commit_callbacks):
    """The what-if form sent; when it starts the job (run inline once committed, as the queue's
    worker would), the job's page it leads to."""

    def send(client, code, **data):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(reverse("policy:what_if", args=[code]), data)
        return client.get(r["Location"]) if r.status_code == 302 else r

    return send


def test_page_shows_the_difference_for_the_district(login, cast, db_draft, period_cases, page):
    client = login(cast.district_cn)
    detail = client.get(reverse("policy:detail", args=[db_draft.code])).content.decode()
    assert reverse("policy:what_if", args=[db_draft.code]) in detail
    r = page(client, db_draft.code, start="2021-01-01", end="2021-12-31")
    body = r.content.decode()
    assert r.status_code == 200 and "5 件个案" in body and "已完成" in body
    assert "现行测算 ¥96,000.00，草案测算 ¥97,000.00，差额 <strong>+¥1,000.00</strong>" in body
    assert 'data-key="310105001"><th scope="row">华阳路街道</th><td class="money">4</td>' in body
    assert "申请人未登记户籍区" in body
    # The run is kept: the version's page lists it, and it opens again with the same tables.
    form = client.get(reverse("policy:what_if", args=[db_draft.code])).content.decode()
    assert "本版本以往的测算" in form and r.request["PATH_INFO"] in form
    again = client.get(r.request["PATH_INFO"]).content.decode()
    assert 'data-key="310105001"><th scope="row">华阳路街道</th><td class="money">4</td>' in again


def test_page_counts_only_the_cases_the_user_may_see(login, cast, db_draft, period_cases, page):
    # The foundation reads the whole city: the same figures as the district.
    body = page(login(cast.foundation), db_draft.code, start="2021-01-01", end="2021-12-31").content.decode()
    assert "差额 <strong>+¥1,000.00</strong>" in body
    # Staff of another district do not see Changning's draft at all.
    assert (
        page(login(cast.district_hp), db_draft.code, start="2021-01-01", end="2021-12-31").status_code == 404
    )
    # A street's staff read the published rules but not a district's planning of the next ones.
    client = login(cast.intake_a)
    assert client.get(reverse("policy:what_if", args=["changning-2016"])).status_code == 404
    assert page(client, "changning-2016", start="2021-01-01", end="2021-12-31").status_code == 404
    detail = client.get(reverse("policy:detail", args=["changning-2016"])).content.decode()
    assert reverse("policy:what_if", args=["changning-2016"]) not in detail


def test_page_refuses_bad_periods_in_chinese(login, cast, db_draft, page):
    client = login(cast.district_cn)
    for data, message in (
        ({"start": "2021-12-31", "end": "2021-01-01"}, "截止日期不能早于起始日期"),
        ({"start": "2016-01-01", "end": "2021-12-31"}, "一次最多测算三年"),
        ({"start": "今天", "end": "2021-12-31"}, "有效的日期"),
    ):
        r = page(client, db_draft.code, **data)
        assert r.status_code == 200 and message in r.content.decode()
    assert not Job.objects.exists()


def test_page_of_a_draft_with_missing_parameters_says_so(login, cast, db_draft, page):
    db_draft.values.filter(name="medical.rate.other").delete()
    r = page(login(cast.district_cn), db_draft.code, start="2021-01-01", end="2021-12-31")
    body = r.content.decode()
    assert r.status_code == 200 and "尚缺参数" in body and not Job.objects.exists()


def test_cli_shows_its_progress_in_a_terminal_only(tmp_path, period_cases):
    """Standard output carries the result alone; a terminal's standard error is told how far it is."""
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    period = ("--district", "310105", "--from", "2021-01-01", "--to", "2021-12-31")
    terminal, out = Terminal(), io.StringIO()
    call_command("policy", "what-if", "--draft", str(draft_file(tmp_path)), *period, stdout=out, stderr=terminal)
    assert "已测算 0 / 6 件个案" in terminal.getvalue() and "已测算 6 / 6 件个案" in terminal.getvalue()
    assert "已测算" not in out.getvalue()
    piped = io.StringIO()
    call_command("policy", "what-if", "--draft", str(draft_file(tmp_path)), *period, stdout=io.StringIO(), stderr=piped)
    assert piped.getvalue() == ""
