"""Money: Decimal, two places, defined once."""

import re
import unicodedata
from decimal import ROUND_DOWN, Decimal

from django.core.validators import MinValueValidator
from django.db import models

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyField(models.DecimalField):
    """CNY with two places, never negative unless a ledger posting says so."""

    def __init__(self, *args, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        self.allow_negative = allow_negative
        if not allow_negative:
            kwargs.setdefault("validators", [MinValueValidator(ZERO)])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.allow_negative:
            kwargs["allow_negative"] = True
        kwargs.pop("validators", None)
        return name, path, args, kwargs


def to_fen_down(value: Decimal) -> Decimal:
    """Round down to the fen: the documents say 不超过 ("not more than")."""
    return value.quantize(FEN, rounding=ROUND_DOWN)


class MoneyError(ValueError):
    """An amount that is not read: the message is for people (Chinese), the code for machines."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


MAX_WHOLE_DIGITS = 12  # what MoneyField (14 digits, 2 places) can hold
# An amount in a machine contract (the evaluation request, imports, and their OpenAPI schema): the
# ASCII forms people write — `12345.67`, `12,345.67`, `¥12,345.67` — and nothing that needs
# guessing: no sign, no spaces, no full-width digits, at most two decimals. The same text is the
# schema's pattern, so what the schema admits and what the reader accepts cannot drift apart.
CONTRACT_PATTERN = (
    rf"^¥?(0|[1-9][0-9]{{0,{MAX_WHOLE_DIGITS - 1}}}|[1-9][0-9]{{0,2}}(,[0-9]{{3}}){{1,{MAX_WHOLE_DIGITS // 3 - 1}}})"
    r"(\.[0-9]{1,2})?$"
)
_CONTRACT_EXACT = re.compile(CONTRACT_PATTERN[1:-1])  # fullmatch: `$` would let a final newline through
_CONTRACT = re.compile(
    r"(?P<minus>-?)¥?(?P<whole>0|[1-9][0-9]*|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<fen>[0-9]+))?"
)
# An amount as people type it: an optional minus, an optional ¥, the yuan written either without
# separators or with a comma before every group of three, then the decimals.
_TYPED = re.compile(
    r"(?P<minus>-?)\s*¥?\s*(?P<whole>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<fen>[0-9]+))?\s*元?"
)
_EXAMPLE = "如 12345.67 或 12,345.67"


def parse_money(value, *, negative: bool = False, contract: bool = False) -> Decimal:
    """The one reader of amounts (forms, commands, API, imports): Decimal to the fen, or MoneyError.

    `12345.67`, `12,345.67`, `¥12,345.67` and `￥１２，３４５．６７` are one amount. Anything that
    could be read as another amount is refused rather than guessed: a comma out of place
    (`12,3.4` is not 123.40), an exponent, a third decimal, NaN, Infinity, and a negative unless
    `negative` allows it. `contract` reads only what CONTRACT_PATTERN describes, for machine input.
    Floats are refused: 0.1 as a float is not 0.10.
    """
    if contract and type(value) is str and _CONTRACT_EXACT.fullmatch(value):
        # The batch evaluation reads millions of these: what the pattern admits needs no other
        # check, only its two places.
        if not value[0].isdigit() or "," in value:
            value = value.lstrip("¥").replace(",", "")
        dot = value.find(".")
        return Decimal(value + ".00" if dot < 0 else value + "0" if len(value) - dot == 2 else value)
    if isinstance(value, bool | float):
        raise MoneyError("金额须以文本或 Decimal 给出，不能是浮点数。", "not_text")
    if isinstance(value, int):
        return _checked(Decimal(value), negative)
    if isinstance(value, Decimal):
        return _checked(value, negative)
    if not isinstance(value, str):
        raise MoneyError("金额须以文本给出。", "not_text")
    if contract:
        match = _CONTRACT.fullmatch(value)
    else:
        # Full-width digits, comma, point, space and ￥ (as a Chinese input method types them)
        # read as the ASCII ones.
        value = unicodedata.normalize("NFKC", value).strip()
        match = _TYPED.fullmatch(value)
    if not value:
        raise MoneyError("请填写金额。", "empty")
    if match is None:
        code = _code(value)
        if contract and code == "invalid":
            raise MoneyError("金额须写成数字，如 1200.50、1,200.50 或 ¥1,200.50（不带空格和正负号）。", code)
        raise MoneyError(_WHY[code], code)
    if match["minus"] and not negative:
        raise MoneyError(_WHY["negative"], "negative")
    if len(match["fen"] or "") > 2:
        raise MoneyError(_WHY["decimals"], "decimals")
    whole = match["whole"].replace(",", "")
    return _checked(Decimal(f"{match['minus']}{whole}.{match['fen'] or '0'}"), negative)


_WHY = {
    "not_finite": "金额须为具体的数字（不能是 NaN 或无穷大）。",
    "exponent": f"金额不能用科学计数法（如 1e3），请直接写出数字，{_EXAMPLE}。",
    "separators": f"千位分隔符位置不对：逗号只能每三位一个（{_EXAMPLE}）。",
    "invalid": f"金额格式不正确，请填写数字，{_EXAMPLE}。",
    "decimals": "金额最多两位小数（到分）。",
    "negative": "金额不能为负数。",
    "too_large": "金额超出可记账的范围。",
}


def _code(text: str) -> str:
    """Which kind of wrong a text that is not an amount is, to say so."""
    lowered = text.lower()
    if "nan" in lowered or "inf" in lowered:
        return "not_finite"
    if "e" in lowered and any(c.isdigit() for c in lowered):
        return "exponent"
    if "," in text:
        return "separators"
    return "invalid"


def _checked(value: Decimal, negative: bool) -> Decimal:
    if not value.is_finite():
        raise MoneyError(_WHY["not_finite"], "not_finite")
    if not value:
        return ZERO  # -0 and 0E-7 are 0.00
    if value < 0 and not negative:
        raise MoneyError(_WHY["negative"], "negative")
    if value.adjusted() >= MAX_WHOLE_DIGITS:
        raise MoneyError(_WHY["too_large"], "too_large")
    if value != value.quantize(FEN):
        raise MoneyError(_WHY["decimals"], "decimals")
    return value.quantize(FEN)


def format_yuan(value: Decimal | None) -> str:
    """¥12,345.67 as people read it (SPEC §10)."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def format_difference(value: Decimal) -> str:
    """+¥1,200.00 / -¥300.00 / ¥0.00: a change in cost, its sign always shown."""
    return ("+" if value > 0 else "") + format_yuan(value)


def format_change(share: Decimal | None) -> str:
    """+9.4%: a difference as a share of what it is measured against (— when that is zero)."""
    return "—" if share is None else f"{share * 100:+.1f}%"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def format_capitals(value: Decimal) -> str:
    """壹万贰仟叁佰肆拾伍元陆角柒分: the amount in capitals (大写金额), written by the rules of
    《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》: 整 after an amount that ends at 元 or
    角, one 零 for a run of zeros inside the number (at 万 too, as 壹拾万零柒仟 in their example), 零
    between 元 and 分 when 角 is zero, 壹拾 for
    ten. Written here rather than taken from a library: the one on PyPI (cn2an) leaves out the 整
    after 角 that the rules ask for."""
    value = Decimal(value).quantize(FEN)
    sign, value = ("负", -value) if value < 0 else ("", value)
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    text = _whole_yuan(yuan) + "元" if yuan or not (jiao or fen) else ""
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    text += _DIGITS[fen] + "分" if fen else "整"
    return sign + text


def _whole_yuan(number: int) -> str:
    if number == 0:
        return "零"
    digits = str(number)
    parts, pending_zero = [], False
    for i, ch in enumerate(digits):
        place = len(digits) - 1 - i
        if ch == "0":
            pending_zero = True
        else:
            if pending_zero:
                parts.append("零")
                pending_zero = False
            parts.append(_DIGITS[int(ch)] + _PLACES[place % 4])
        if place % 4 == 0 and place and int(digits[max(0, i - 3) : i + 1]):
            parts.append(_GROUPS[place // 4])
    return "".join(parts)
