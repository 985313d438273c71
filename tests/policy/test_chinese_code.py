"""A policy version's code may be Chinese (长宁-2022): created, opened, edited and tried out
through the pages at its Chinese address; a code with a space or a slash is refused in Chinese."""

from urllib.parse import quote

import pytest

from bangfu.orgs.models import Organisation
from bangfu.policy.models import Policy

CODE = "长宁-2022年版"


def _new(client, code: str):
    return client.post(
        "/policy/new/",
        {
            "district": Organisation.objects.get(code="310105").pk,
            "code": code,
            "title": "长宁区综合帮扶实施意见（2022）",
            "document": "长民发〔2022〕1号",
            "valid_from": "2022-01-01",
            "valid_to": "2026-12-31",
            "validity_reference": "长民发〔2022〕1号 末段",
            "copy_from": Policy.objects.get(code="changning-2016").pk,
        },
    )


def test_a_version_with_a_chinese_code_is_created_viewed_and_edited(cast, login):
    client = login(cast.finance_cn)
    response = _new(client, CODE)
    address = f"/policy/{quote(CODE)}/"
    assert response.status_code == 302 and response["Location"] == address
    policy = Policy.objects.get(code=CODE)
    page = client.get(address)
    assert page.status_code == 200 and CODE in page.content.decode()
    assert client.get(f"/policy/{CODE}/").status_code == 200  # as the browser's address bar shows it
    edit = client.post(
        f"{address}edit/",
        {"title": "长宁区综合帮扶实施意见（2022年修订）", "document": "长民发〔2022〕2号", "valid_from": "2022-01-01",
         "valid_to": "2026-12-31", "validity_reference": "末段"},
    )  # fmt: skip
    assert edit.status_code == 302 and edit["Location"] == address
    policy.refresh_from_db()
    assert policy.title == "长宁区综合帮扶实施意见（2022年修订）"
    row = policy.values.get(name="approval.street_limit")
    value = client.post(
        f"{address}values/{row.pk}/",
        {"name": "approval.street_limit", "start": "2022-01-01", "value": "30000", "reference": "四(三)"},
    )
    assert value.status_code == 302 and policy.values.get(name="approval.street_limit").value == "30000.00"
    assert CODE in client.get("/policy/").content.decode()
    assert client.get(f"{address}what-if/").status_code == 200


@pytest.mark.parametrize("code", ["长宁 2022", "长宁/2022", "长宁。2022", "changning 2022"])
def test_a_code_with_a_space_a_slash_or_a_mark_is_refused_in_chinese(cast, login, code):
    response = _new(login(cast.finance_cn), code)
    assert response.status_code == 200
    assert (
        "版本编号只能由汉字、字母、数字、连字符（-）和下划线组成，不能有空格、斜杠或其他符号。"
        in response.content.decode()
    )
    assert not Policy.objects.filter(code=code).exists()


def test_the_service_refuses_such_a_code_too(cast):
    from datetime import date

    from bangfu.audit.actor import Actor
    from bangfu.core.refusal import Refused
    from bangfu.policy import services

    with pytest.raises(Refused) as refused:
        services.policy_draft_create(
            actor=Actor.for_user(cast.finance_cn, "test"), district=Organisation.objects.get(code="310105"),
            code="长宁/2022", title="x", document="x", valid_from=date(2022, 1, 1), valid_to=date(2022, 12, 31),
            validity_reference="x", copy_from=Policy.objects.get(code="changning-2016"),
        )  # fmt: skip
    assert refused.value.code == "bad_code" and refused.value.field == "code"
