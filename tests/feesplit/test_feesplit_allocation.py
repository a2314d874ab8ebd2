"""Splitting management fees by workload, told as the partners' stories."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.feesplit.allocation import Allocation, AllocationError, allocate

D = Decimal
EQUAL3 = {"A": D(1), "B": D(1), "C": D(1)}


def _add(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    return {k: total.get(k, 0) + more.get(k, 0) for k in {*total, *more}}


# --- table tests ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("prior", "gets_the_cent"),
    [
        pytest.param(None, "A", id="first_split_ever_the_cent_goes_to_the_first_name"),
        pytest.param({"A": 1, "B": 0, "C": 2}, "B",
                     id="the_cent_goes_to_whoever_gained_least_from_rounding_before"),
        pytest.param({"A": 1, "B": 1, "C": -3}, "C",
                     id="a_partner_who_lost_cents_before_is_first_in_line"),
        pytest.param({"A": 1, "B": 0, "C": 0}, "B",
                     id="equal_history_falls_back_to_the_name"),
    ],
)
def test_a_split_of_1000_dollars_in_three_equal_parts_adds_up_to_the_cent(
    prior: dict[str, int] | None, gets_the_cent: str
) -> None:
    result = allocate(100000, EQUAL3, prior_rounding=prior)
    assert sum(result.shares.values()) == 100000
    assert result.leftover_cents == 1
    assert result.recipients == (gets_the_cent,)
    for partner, share in result.shares.items():
        assert share == (33334 if partner == gets_the_cent else 33333)
        assert result.rounding[partner] == (1 if partner == gets_the_cent else 0)
        assert result.exact[partner] == Fraction(100000, 3)
    assert result.rounding_delta[gets_the_cent] == Fraction(2, 3)


def test_the_spare_cent_rotates_over_three_successive_equal_splits() -> None:
    history: dict[str, int] = {}
    winners = []
    for _ in range(3):
        result = allocate(100000, EQUAL3, prior_rounding=history)
        winners.extend(result.recipients)
        history = _add(history, result.rounding)
    assert sorted(winners) == ["A", "B", "C"]
    assert history == {"A": 1, "B": 1, "C": 1}


def test_alphabetical_tie_break_ignores_history_and_always_favours_the_first_name() -> None:
    history = {"A": 5, "B": 0, "C": 0}
    result = allocate(100000, EQUAL3, prior_rounding=history, tie_break="alphabetical")
    assert result.recipients == ("A",)
    assert result.tie_breaks == {"A": "alphabetical"}


def test_hours_worked_40_25_10_split_12_345_67_dollars_by_workload() -> None:
    result = allocate(1234567, {"A": D(40), "B": D(25), "C": D(10)})
    # exact: A 658435.73…, B 411522.33…, C 164608.93… → two spare cents to C then A
    assert result.exact == {
        "A": Fraction(1234567 * 40, 75),
        "B": Fraction(1234567 * 25, 75),
        "C": Fraction(1234567 * 10, 75),
    }
    assert result.leftover_cents == 2
    assert result.recipients == ("C", "A")
    assert result.shares == {"A": 658436, "B": 411522, "C": 164609}
    assert sum(result.shares.values()) == 1234567
    assert result.tie_breaks == {}


def test_fractional_hours_are_exact_decimal_weights() -> None:
    result = allocate(1000, {"A": D("0.1"), "B": D("0.2")})
    assert result.shares == {"A": 333, "B": 667}
    assert result.exact["B"] == Fraction(2000, 3)


def test_a_partner_with_no_hours_this_period_gets_nothing_and_no_minimum() -> None:
    result = allocate(101, {"A": D(1), "B": D(0), "C": D(1)}, min_share_cents=10)
    assert result.shares == {"A": 51, "B": 0, "C": 50}
    assert result.rounding["B"] == 0
    assert result.exact["B"] == 0


def test_a_zero_amount_splits_into_zeros() -> None:
    result = allocate(0, {"A": D(3), "B": D(1)})
    assert result.shares == {"A": 0, "B": 0}
    assert result.leftover_cents == 0


def test_partners_who_left_do_not_disturb_the_tie_break() -> None:
    result = allocate(100000, EQUAL3, prior_rounding={"A": 1, "Z": -50})
    assert result.recipients == ("B",)


def test_a_cap_is_rounded_up_to_the_cent_so_halves_of_an_odd_amount_are_allowed() -> None:
    result = allocate(101, {"A": D(1), "B": D(1)}, max_share_fraction=D("0.5"))
    assert result.shares == {"A": 51, "B": 50}


def test_keys_need_not_be_strings_when_order_key_names_them() -> None:
    names = {1: "Coop du Quartier", 2: "Atelier Vélo", 3: "Bâtir Ensemble"}
    result = allocate(100, {1: D(1), 2: D(1), 3: D(1)}, order_key=names.__getitem__)
    assert result.recipients == (2,)
    assert result.shares == {1: 33, 2: 34, 3: 33}


@pytest.mark.parametrize(
    ("call", "code", "field", "params"),
    [
        pytest.param(lambda: allocate(100, {"A": D(1), "B": D(-2)}), "weight_negative", "B",
                     {"partner": "B", "weight": "-2"}, id="a_negative_weight_is_refused"),
        pytest.param(lambda: allocate(100, {"A": D(0), "B": D("0.00")}), "weights_all_zero",
                     "weights", {}, id="nobody_has_any_weight"),
        pytest.param(lambda: allocate(100, {}), "weights_empty", "weights", {},
                     id="nobody_to_split_between"),
        pytest.param(lambda: allocate(-1, EQUAL3), "amount_negative", "amount_cents",
                     {"amount_cents": -1}, id="a_negative_amount_is_refused"),
        pytest.param(lambda: allocate(1000, {"A": D(98), "B": D(1), "C": D(1)},
                                      min_share_cents=50),
                     "min_share_unreachable", "B",
                     {"partner": "B", "share_cents": 10, "min_share_cents": 50},
                     id="a_small_partner_would_get_less_than_the_minimum"),
        pytest.param(lambda: allocate(1000, {"A": D(3), "B": D(1)},
                                      max_share_fraction=D("0.6")),
                     "max_share_exceeded", "A",
                     {"partner": "A", "share_cents": 750, "max_share_cents": 600,
                      "max_share_fraction": "0.6"},
                     id="a_large_partner_would_get_more_than_the_cap"),
        pytest.param(lambda: allocate(100, {"A": D("NaN")}), "weight_invalid", "A",
                     {"weight": "NaN"}, id="a_weight_that_is_not_a_number"),
        pytest.param(lambda: allocate(100, EQUAL3, tie_break="random"),  # type: ignore[arg-type]
                     "tie_break_unknown", "tie_break", {"tie_break": "random"},
                     id="an_unknown_tie_break"),
        pytest.param(lambda: allocate(100, {"a": D(1), "A": D(1)}, order_key=str.lower),
                     "order_key_duplicate", "A", {"name": "a"},
                     id="two_partners_with_the_same_name"),
    ],
)
def test_a_split_that_cannot_be_done_says_why(
    call, code: str, field: object, params: dict
) -> None:
    with pytest.raises(AllocationError) as err:
        call()
    assert err.value.code == code
    assert err.value.field == field
    assert err.value.params == params


def test_the_preview_explains_the_method_and_the_spare_cents_in_french() -> None:
    result = allocate(2, EQUAL3, prior_rounding={"A": -1, "B": 0, "C": 1})
    lines = result.explain("fr")
    assert lines[0] == ("Le montant de 0,02\u00a0$ est réparti au prorata des poids (équité, pas "
                        "égalité)\u00a0: chaque part exacte est arrondie au cent inférieur.")
    assert lines[1] == (
        "Il restait 2\u00a0¢ après l'arrondi à la baisse; ils vont aux plus grands restes\u00a0: "
        "A (0,67\u00a0¢, à égalité avec C, départagé par l'arrondi cumulatif reçu auparavant\u00a0: "
        "\u22121\u00a0¢ contre +1\u00a0¢), "
        "B (0,67\u00a0¢, à égalité avec C, départagé par l'arrondi cumulatif reçu auparavant\u00a0: "
        "0\u00a0¢ contre +1\u00a0¢)."
    )
    assert "change de main" in lines[2]


def test_the_preview_explains_the_spare_cents_in_english() -> None:
    result = allocate(1234567, {"A": D(40), "B": D(25), "C": D(10)})
    assert result.explain("en") == [
        "The amount of $12,345.67 is split in proportion to the weights (equity, not "
        "equality): each exact share is rounded down to the cent.",
        "2\u00a0¢ were left after rounding down; they go to the largest remainders: "
        "C (0.93\u00a0¢), A (0.73\u00a0¢).",
    ]


def test_the_preview_names_the_alphabetical_tie_break_when_history_is_equal() -> None:
    result = allocate(100000, EQUAL3)
    assert result.explain("fr")[1] == (
        "Il restait 1\u00a0¢ après l'arrondi à la baisse; il va au plus grand reste\u00a0: "
        "A (0,33\u00a0¢, à égalité avec B et C, départagé par ordre alphabétique)."
    )
    assert result.explain("en")[1] == (
        "1\u00a0¢ was left after rounding down; it goes to the largest remainder: "
        "A (0.33\u00a0¢, tied with B and C, decided alphabetically)."
    )


def test_the_preview_says_when_the_shares_come_out_even() -> None:
    result = allocate(1000, {"A": D(1), "B": D(4)})
    assert result.shares == {"A": 200, "B": 800}
    assert result.explain("fr")[1].startswith("Aucun cent ne restait")
    assert result.explain("en")[1] == (
        "No cent was left after rounding down: the shares come out even."
    )


# --- properties ----------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**10)
weight = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False,
                     allow_infinity=False)
weight_lists = st.lists(weight, min_size=1, max_size=15).filter(lambda ws: any(w > 0 for w in ws))
# Mostly a few repeated values, so equal remainders (ties) are common.
tied_weight_lists = st.lists(
    st.one_of(st.sampled_from([D(0), D(1), D(2), D("2.5")]), weight), min_size=1, max_size=15
).filter(lambda ws: any(w > 0 for w in ws))


def _named(ws: list[Decimal]) -> dict[str, Decimal]:
    return {f"P{i:02d}": w for i, w in enumerate(ws)}


@given(amounts, weight_lists)
def test_shares_always_add_up_to_the_amount_and_stay_within_a_cent_of_exact(
    amount: int, ws: list[Decimal]
) -> None:
    result = allocate(amount, _named(ws))
    assert sum(result.shares.values()) == amount
    assert 0 <= result.leftover_cents < len(ws)
    for k, share in result.shares.items():
        assert abs(share - result.exact[k]) < 1
        assert result.rounding_delta[k] == share - result.exact[k]
        assert result.rounding[k] in (0, 1)
        assert share >= 0
        if ws[int(k[1:])] == 0:
            assert share == 0


@given(amounts, weight.filter(lambda w: w > 0), st.integers(1, 15))
def test_equal_weights_give_shares_at_most_a_cent_apart(
    amount: int, w: Decimal, n: int
) -> None:
    shares = allocate(amount, _named([w] * n)).shares.values()
    assert max(shares) - min(shares) <= 1


@given(amounts, tied_weight_lists, st.lists(st.integers(-2, 2), min_size=15, max_size=15),
       st.sampled_from(("cumulative_rounding", "alphabetical")), st.randoms())
def test_the_order_partners_are_listed_in_never_changes_the_split(
    amount: int, ws: list[Decimal], prior: list[int], tie_break: str, rnd: random.Random
) -> None:
    weights = _named(ws)
    history = {k: prior[i] for i, k in enumerate(weights)}
    items = list(weights.items())
    rnd.shuffle(items)
    reference: Allocation = allocate(amount, weights, prior_rounding=history,
                                     tie_break=tie_break)  # type: ignore[arg-type]
    shuffled = allocate(amount, dict(items), prior_rounding=history,
                        tie_break=tie_break)  # type: ignore[arg-type]
    assert shuffled.shares == reference.shares
    assert shuffled.recipients == reference.recipients
    assert shuffled.explain("fr") == reference.explain("fr")


@given(st.lists(amounts, min_size=1, max_size=12), weight.filter(lambda w: w > 0),
       st.integers(2, 7))
def test_over_many_equal_splits_nobody_gains_more_than_a_cent_over_another(
    split_amounts: list[int], w: Decimal, n: int
) -> None:
    history: dict[str, int] = {}
    for amount in split_amounts:
        result = allocate(amount, _named([w] * n), prior_rounding=history)
        history = _add(history, result.rounding)
        assert max(history.values()) - min(history.values()) <= 1
