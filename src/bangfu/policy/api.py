"""`POST /api/v1/policy/evaluate`: the SPEC §6 evaluation contract over HTTP.

The body is read raw and checked by the engine (`engine.respond`), the same code the
`bangfu policy evaluate` command runs, so the API and the CLI refuse exactly the same
requests with the same error objects. The schemas below document the contract in the
OpenAPI schema; they do not validate (pydantic would answer bad input in its own format).
Authentication is the API's (session or bearer token); without it: 401.
"""

import copy
from typing import Literal

import orjson
from django.http import HttpResponse
from ninja import Router, Schema

from bangfu.core.apierrors import ErrorObject
from bangfu.core.money import CONTRACT_PATTERN

from .engine import respond
from .selectors import network_districts, policy_book

router = Router(tags=["policy"])

# The pattern the engine reads amounts by (core.money), so the schema and the behaviour agree.
_AMOUNT = {"type": "string", "pattern": CONTRACT_PATTERN, "examples": ["1200.50"]}
_DATE = {
    "type": "string",
    "format": "date",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "examples": ["2020-05-01"],
}


def _object(properties: dict, required: list[str] | None = None, description: str = "") -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


REQUEST_SCHEMA = _object(
    {
        "district": {
            "type": "string",
            "minLength": 1,
            "description": "区一级组织的代码（国家统计局区划代码如 310105 长宁区，或光明集团 GMJT）；"
            "须为组织网络中的区一级组织，可选值见 enum（按组织网络生成），其他值返回 400 invalid_input",
            "examples": ["310105"],
        },
        "application_date": _DATE | {"description": "申请日期：决定适用的政策版本、发票有效期和帮扶年度"},
        "aid_type": {"type": "string", "enum": ["medical", "insurance_supplement", "emergency", "other"]},
        "household": _object(
            {
                "category": {"type": "string", "enum": ["dibao", "low_income", "rigid_expense", "other"]},
                "hukou_district": {
                    "type": "string",
                    "pattern": "^[0-9]{6}$",
                    "description": "户籍所在区划代码",
                },
                "resides_in_district": {"type": "boolean"},
                "non_local_spouse_or_child": {
                    "type": "boolean",
                    "description": "与本区户籍居民在本区共同生活的外省市户籍配偶、子女（经工作人员核实）",
                },
                "prior_aid": {
                    "type": "array",
                    "description": "本户以往的帮扶（只计申请日期所在自然年内的）",
                    "items": _object(
                        {
                            "date": _DATE,
                            "amount": _AMOUNT,
                            "form": {
                                "type": "string",
                                "enum": ["case", "project", "specific"],
                                "default": "case",
                                "description": "帮扶形式：个案、项目、特定帮扶；各年度上限计入哪些形式由政策参数规定",
                            },
                        },
                        required=["date", "amount"],
                    ),
                },
            }
        ),
        "medical": _object(
            {
                "invoices": {
                    "type": "array",
                    "items": _object(
                        {
                            "number": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 64,
                                "description": "发票号，本请求内不得重复",
                            },
                            "date": _DATE,
                            "regular_hospital": {"type": "boolean"},
                            "fee_type": {
                                "type": "string",
                                "enum": [
                                    "treatment",
                                    "medicine",
                                    "examination",
                                    "surgery",
                                    "nursing",
                                    "nutrition",
                                    "other",
                                ],
                            },
                            "self_paid": _AMOUNT,
                        }
                    ),
                }
            },
            description="aid_type 为 medical 时必填；其他类型时忽略",
        ),
        "insurance_supplement": _object(
            {
                "personal_share": _AMOUNT,
                "serious_illness": {"type": "boolean"},
                "lost_work_capacity": {"type": "boolean"},
            },
            description="aid_type 为 insurance_supplement 时必填；其他类型时忽略",
        ),
        "emergency": _object(
            {
                "event": {"type": "string", "enum": ["fire", "drowning", "traffic", "other_major"]},
                "casualty_or_major_loss": {"type": "boolean"},
            },
            description="aid_type 为 emergency 时必填；其他类型时忽略",
        ),
        # null is the same as leaving it out (tests/policy/cases/bad_input.toml), so the schema says so.
        "requested_amount": {
            "anyOf": [_AMOUNT, {"type": "null"}],
            "description": "申请金额（可选；省略或 null 表示未申请具体金额，按上限测算）",
            "examples": ["6000.00"],
        },
    },
    required=["district", "application_date", "aid_type", "household"],
    description="金额一律为字符串（十进制、最多两位小数、不为负；可写千位分隔符和 ¥，如 1,200.50、¥1,200.50），不接受 JSON 数字；未知字段一律拒绝。",
)


class PolicyRef(Schema):
    id: str
    valid_from: str
    valid_to: str


class Reason(Schema):
    code: str
    message: str
    parameter: str | None = None
    limit: str | None = None
    generally: bool | None = None


class TraceStep(Schema):
    step: str
    parameter: str
    value: str
    source: str
    result: str
    subject: str | None = None


class Answer(Schema):
    eligible: bool
    max_amount: str
    recommended_amount: str
    approval_level: Literal["street", "district"] | None
    policy: PolicyRef
    reasons: list[Reason]
    trace: list[TraceStep]


class ErrorBody(Schema):
    code: Literal["invalid_input", "no_policy_in_force"]
    message: str
    field: str | None


class Error(Schema):
    error: ErrorBody


@router.post(
    "/evaluate",
    response={200: Answer, 400: Error, 401: ErrorObject, 403: ErrorObject, 413: ErrorObject, 422: Error},
    summary="测算一个帮扶申请（SPEC §6）",
    description=(
        "按申请日期所在区生效的政策版本测算：是否符合条件、上限、建议金额、审批层级，以及每一步所用参数和文件条款。"
        "格式错误返回 400（invalid_input），该区在申请日期没有生效政策返回 422（no_policy_in_force）。"
        "与命令 `bangfu policy evaluate` 使用同一校验与测算代码。"
        "未认证或令牌无效、过期、吊销返回 401；以会话调用而缺 CSRF 令牌返回 403；请求体超过上限返回 413。"
    ),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": REQUEST_SCHEMA}}}
    },
)
def evaluate(request):
    status, body = respond(request.body, policy_book())
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def document_districts(schema: dict) -> None:
    """Name the network's districts in the served schema (`district` accepts exactly those)."""
    codes = sorted(network_districts())
    for path, item in schema["paths"].items():
        if path.endswith("/policy/evaluate") and codes:
            # A copy: the request body may still be REQUEST_SCHEMA itself.
            request_body = item["post"]["requestBody"] = copy.deepcopy(item["post"]["requestBody"])
            district = request_body["content"]["application/json"]["schema"]["properties"]["district"]
            district["enum"] = codes
