"""Money is a Decimal amount of dollars on the outside and whole cents (int) in the database."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class MoneyError(ValueError):
    pass


def to_cents(value: Decimal | str | int) -> int:
    """Exact conversion; refuses fractions of a cent rather than rounding silently."""
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace("\u00a0", ""))
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"more than two decimals: {value!r}")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_money(cents: int, lang: str) -> str:
    """1 234,56 $ in French, $1,234.56 in English."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    if lang.startswith("fr"):
        grouped = f"{whole:,}".replace(",", "\u00a0")
        return f"{sign}{grouped},{part:02d}\u00a0$"
    return f"{sign}${whole:,}.{part:02d}"
