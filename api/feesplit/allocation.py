"""Split an amount of management fees between partners by workload ("équité, pas égalité").

Largest remainder (Hamilton) on exact fractions: every partner first gets its exact share
rounded down to the cent, then the few cents left over go one each to the largest
remainders. Exact rationals mean the shares always add up to the cent, whatever the
weights, and the result never depends on float rounding or on the order of the input.

Ties between equal remainders (three equal partners, one spare cent) happen all the time.
With ``tie_break="cumulative_rounding"`` the spare cent goes first to whoever gained the
least from rounding in earlier splits (``prior_rounding``), so the cent rotates instead of
always landing on the same organisation; remaining ties fall back to ``order_key``.

Stdlib only: the same function serves the preview, the posting and the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Generic, Literal, TypeVar

K = TypeVar("K", bound=Hashable)
TieBreak = Literal["cumulative_rounding", "alphabetical"]
TIE_BREAKS: tuple[str, ...] = ("cumulative_rounding", "alphabetical")


class AllocationError(ValueError):
    """A split that cannot be done as asked; `code` + `params` let the preview say why."""

    def __init__(self, code: str, field: object = None, **params: object):
        self.code, self.field, self.params = code, field, params
        where = f" ({field})" if field is not None else ""
        super().__init__(f"{code}{where}: {params}")


@dataclass(frozen=True)
class Allocation(Generic[K]):
    """The result of one split.

    - ``shares``: whole cents per partner; they always add up to the amount.
    - ``exact``: the exact share in cents, amount × weight / total weight.
    - ``rounding``: +1 for partners who got one of the leftover cents, 0 otherwise; feed
      the running sum of it back as ``prior_rounding`` so the cent rotates.
    - ``rounding_delta``: share − exact (between −1 and +1, exclusive).
    - ``leftover_cents``: cents left after rounding every share down (< number of partners).
    - ``recipients``: who got a leftover cent, best remainder first.
    - ``tie_breaks``: for recipients chosen over a partner with the same remainder, the
      criterion that decided ("cumulative_rounding" or "alphabetical").
    """

    amount_cents: int
    shares: dict[K, int]
    exact: dict[K, Fraction]
    rounding: dict[K, int]
    rounding_delta: dict[K, Fraction]
    leftover_cents: int
    recipients: tuple[K, ...]
    tie_breaks: dict[K, str]
    tie_break: str
    _labels: dict[K, str] = field(repr=False)
    _prior: dict[K, int] = field(repr=False)
    _tied_with: dict[K, tuple[K, ...]] = field(repr=False)

    def explain(self, lang: str = "fr") -> list[str]:
        """Sentences for a non-technical reader: the method, then where the spare cents went."""
        fr = lang.lower().startswith("fr")
        return self._explain_fr() if fr else self._explain_en()

    def _remainder(self, key: K, fr: bool) -> str:
        rest = self.exact[key] - math.floor(self.exact[key])
        text = str((Decimal(rest.numerator) / Decimal(rest.denominator))
                   .quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        return text.replace(".", ",") if fr else text

    def _names(self, keys: tuple[K, ...], fr: bool) -> str:
        names = [self._labels[k] for k in keys]
        if len(names) == 1:
            return names[0]
        return f"{', '.join(names[:-1])} {'et' if fr else 'and'} {names[-1]}"

    def _recipient(self, key: K, fr: bool) -> str:
        parts = [f"{self._remainder(key, fr)}\u00a0¢"]
        reason = self.tie_breaks.get(key)
        if reason is not None:
            others = self._tied_with[key]
            tied = self._names(others, fr)
            if reason == "cumulative_rounding":
                theirs = ", ".join(_signed(self._prior[k]) for k in others)
                if fr:
                    parts.append(f"à égalité avec {tied}, départagé par l'arrondi cumulatif "
                                 f"reçu auparavant\u00a0: {_signed(self._prior[key])}\u00a0¢ "
                                 f"contre {theirs}\u00a0¢")
                else:
                    parts.append(f"tied with {tied}, decided by the rounding received in "
                                 f"earlier splits: {_signed(self._prior[key])}\u00a0¢ "
                                 f"against {theirs}\u00a0¢")
            else:
                parts.append(f"à égalité avec {tied}, départagé par ordre alphabétique" if fr
                             else f"tied with {tied}, decided alphabetically")
        return f"{self._labels[key]} ({', '.join(parts)})"

    def _explain_fr(self) -> list[str]:
        lines = [f"Le montant de {_money(self.amount_cents, True)} est réparti au prorata des "
                 "poids (équité, pas égalité)\u00a0: chaque part exacte est arrondie au cent "
                 "inférieur."]
        n = self.leftover_cents
        if n == 0:
            lines.append("Aucun cent ne restait après l'arrondi à la baisse\u00a0: les parts "
                         "tombent juste.")
            return lines
        who = ", ".join(self._recipient(k, True) for k in self.recipients)
        if n == 1:
            lines.append(f"Il restait 1\u00a0¢ après l'arrondi à la baisse; il va au plus "
                         f"grand reste\u00a0: {who}.")
        else:
            lines.append(f"Il restait {n}\u00a0¢ après l'arrondi à la baisse; ils vont aux "
                         f"plus grands restes\u00a0: {who}.")
        if self.tie_breaks and self.tie_break == "cumulative_rounding":
            lines.append("En cas d'égalité, le cent va d'abord à qui a le moins profité de "
                         "l'arrondi lors des partages précédents, pour qu'il change de main "
                         "d'une fois à l'autre.")
        return lines

    def _explain_en(self) -> list[str]:
        lines = [f"The amount of {_money(self.amount_cents, False)} is split in proportion to "
                 "the weights (equity, not equality): each exact share is rounded down to "
                 "the cent."]
        n = self.leftover_cents
        if n == 0:
            lines.append("No cent was left after rounding down: the shares come out even.")
            return lines
        who = ", ".join(self._recipient(k, False) for k in self.recipients)
        if n == 1:
            lines.append(f"1\u00a0¢ was left after rounding down; it goes to the largest "
                         f"remainder: {who}.")
        else:
            lines.append(f"{n}\u00a0¢ were left after rounding down; they go to the largest "
                         f"remainders: {who}.")
        if self.tie_breaks and self.tie_break == "cumulative_rounding":
            lines.append("On a tie, the cent goes first to whoever gained least from rounding "
                         "in earlier splits, so it changes hands from one split to the next.")
        return lines


def _signed(cents: int) -> str:
    return f"+{cents}" if cents > 0 else ("\u2212" + str(-cents) if cents < 0 else "0")


def _money(cents: int, fr: bool) -> str:
    """1 234,56 $ / $1,234.56 — duplicated from api.money to keep this module standalone."""
    whole, part = divmod(cents, 100)
    if fr:
        return f"{whole:,}".replace(",", "\u00a0") + f",{part:02d}\u00a0$"
    return f"${whole:,}.{part:02d}"


def _fraction(key: object, weight: object) -> Fraction:
    """Exact value of a weight; floats go through their decimal string (0.1 means 1/10)."""
    if isinstance(weight, bool):
        raise AllocationError("weight_invalid", key, weight=str(weight))
    if isinstance(weight, Decimal):
        if not weight.is_finite():
            raise AllocationError("weight_invalid", key, weight=str(weight))
        return Fraction(weight)
    if isinstance(weight, int | Fraction):
        return Fraction(weight)
    if isinstance(weight, float):
        if not math.isfinite(weight):
            raise AllocationError("weight_invalid", key, weight=str(weight))
        return Fraction(str(weight))
    raise AllocationError("weight_invalid", key, weight=repr(weight))


def allocate(
    amount_cents: int,
    weights: Mapping[K, Decimal],
    *,
    prior_rounding: Mapping[K, int] | None = None,
    min_share_cents: int = 0,
    max_share_fraction: Decimal = Decimal(1),
    tie_break: TieBreak = "cumulative_rounding",
    order_key: Callable[[K], str] = str,
) -> Allocation[K]:
    """Split `amount_cents` in proportion to `weights`; see the module docstring for the method.

    `order_key` gives each partner's name (e.g. the organisation's): it breaks the last ties
    and labels partners in `explain`, so it must be unique. Partners in `prior_rounding` but
    not in `weights` are ignored; missing ones count as 0.

    Limits are checked, never enforced by moving money around: if a partner with a positive
    weight would get less than `min_share_cents` ("min_share_unreachable") or more than
    `max_share_fraction` of the amount ("max_share_exceeded"; the cap is rounded up to the
    whole cent, since a share cannot be split finer), an AllocationError names the partner
    and the numbers. Silently shifting cents would hide a choice the partners must make
    themselves (change the weights or the limit); the preview shows the reason instead.
    A partner with weight 0 gets 0 and is exempt from the minimum.
    """
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise AllocationError("amount_invalid", "amount_cents", amount_cents=repr(amount_cents))
    if amount_cents < 0:
        raise AllocationError("amount_negative", "amount_cents", amount_cents=amount_cents)
    if not weights:
        raise AllocationError("weights_empty", "weights")
    if tie_break not in TIE_BREAKS:
        raise AllocationError("tie_break_unknown", "tie_break", tie_break=tie_break)
    if isinstance(min_share_cents, bool) or not isinstance(min_share_cents, int) \
            or min_share_cents < 0:
        raise AllocationError("min_share_invalid", "min_share_cents",
                              min_share_cents=repr(min_share_cents))
    cap = _fraction("max_share_fraction", max_share_fraction)
    if cap < 0:
        raise AllocationError("max_share_invalid", "max_share_fraction",
                              max_share_fraction=str(max_share_fraction))

    labels = {k: order_key(k) for k in weights}
    if len(set(labels.values())) != len(labels):
        seen: dict[str, K] = {}
        for k in sorted(weights, key=lambda k: labels[k]):
            if labels[k] in seen:
                raise AllocationError("order_key_duplicate", k, name=labels[k])
            seen[labels[k]] = k
    # Everything below walks partners in name order: errors and results cannot depend on
    # the order of the dict the caller happened to build.
    keys = sorted(weights, key=lambda k: labels[k])
    exact_weights: dict[K, Fraction] = {}
    for k in keys:
        w = _fraction(k, weights[k])
        if w < 0:
            raise AllocationError("weight_negative", k, partner=labels[k], weight=str(weights[k]))
        exact_weights[k] = w
    total = sum(exact_weights.values(), Fraction(0))
    if total == 0:
        raise AllocationError("weights_all_zero", "weights")

    prior = {k: int((prior_rounding or {}).get(k, 0)) for k in keys}
    exact = {k: amount_cents * exact_weights[k] / total for k in keys}
    floors = {k: math.floor(exact[k]) for k in keys}
    remainders = {k: exact[k] - floors[k] for k in keys}
    leftover = amount_cents - sum(floors.values())

    def rank(k: K) -> tuple[Fraction, int, str]:
        tie = prior[k] if tie_break == "cumulative_rounding" else 0
        return (-remainders[k], tie, labels[k])

    ranked = sorted(keys, key=rank)
    recipients = tuple(ranked[:leftover])
    shares = {k: floors[k] + (1 if k in recipients else 0) for k in keys}

    # Explain the tie at the cut-off: recipients whose remainder equals a non-recipient's.
    tie_breaks: dict[K, str] = {}
    tied_with: dict[K, tuple[K, ...]] = {}
    losers = ranked[leftover:]
    for k in recipients:
        others = tuple(o for o in losers if remainders[o] == remainders[k])
        if not others:
            continue
        tied_with[k] = others
        by_prior = tie_break == "cumulative_rounding" and all(prior[o] > prior[k] for o in others)
        tie_breaks[k] = "cumulative_rounding" if by_prior else "alphabetical"

    for k in keys:
        if exact_weights[k] > 0 and shares[k] < min_share_cents:
            raise AllocationError("min_share_unreachable", k, partner=labels[k],
                                  share_cents=shares[k], min_share_cents=min_share_cents)
    max_cents = math.ceil(cap * amount_cents)
    for k in keys:
        if shares[k] > max_cents:
            raise AllocationError("max_share_exceeded", k, partner=labels[k],
                                  share_cents=shares[k], max_share_cents=max_cents,
                                  max_share_fraction=str(max_share_fraction))

    return Allocation(
        amount_cents=amount_cents,
        shares=shares,
        exact=exact,
        rounding={k: shares[k] - floors[k] for k in keys},
        rounding_delta={k: shares[k] - exact[k] for k in keys},
        leftover_cents=leftover,
        recipients=recipients,
        tie_breaks=tie_breaks,
        tie_break=tie_break,
        _labels=labels,
        _prior=prior,
        _tied_with=tied_with,
    )
