"""Money: Decimal, two places, defined once."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

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


def parse_money(text: str) -> Decimal:
    """A non-negative amount with at most two decimals, from a string; ValueError otherwise."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise ValueError("金额格式不正确") from None
    if not value.is_finite() or value < 0 or value != value.quantize(FEN):
        raise ValueError("金额须为不小于0、最多两位小数的数")
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
