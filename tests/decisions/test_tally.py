"""The outcome of an online vote, told as the stories of the people who vote."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.decisions.tally import (
    MAJORITIES,
    Outcome,
    TallyError,
    VoteRule,
    can_close_early,
    tally,
)

HALF = VoteRule(quorum_fraction=0.5)


def rule(majority: str = "simple", abstentions: str = "excluded", *,
         quorum_fraction: float | None = 0.5, quorum_count: int | None = None) -> VoteRule:
    return VoteRule(quorum_fraction=quorum_fraction, quorum_count=quorum_count,
                    majority=majority, abstentions=abstentions)  # type: ignore[arg-type]


# (rule, eligible_seats, recused, yes, no, abstain, expected result, expected quorum)
CASES = [
    pytest.param(rule(), 5, 0, 0, 0, 0, "no_quorum", 3,
                 id="nobody_voted_so_there_is_no_quorum"),
    pytest.param(rule(quorum_fraction=None), 5, 0, 0, 0, 0, "rejected", 0,
                 id="nobody_voted_without_quorum_rule_so_the_proposal_is_rejected"),
    pytest.param(rule(), 5, 0, 0, 0, 3, "rejected", 3,
                 id="everyone_abstains_quorum_reached_but_no_yes_so_rejected"),
    pytest.param(rule(abstentions="counted"), 5, 0, 0, 0, 3, "rejected", 3,
                 id="everyone_abstains_with_abstentions_counted_still_rejected"),
    pytest.param(rule(), 9, 0, 3, 2, 0, "adopted", 5,
                 id="five_of_nine_seats_vote_and_quorum_of_five_is_met"),
    pytest.param(rule(), 9, 0, 3, 1, 0, "no_quorum", 5,
                 id="four_of_nine_seats_vote_one_short_of_quorum"),
    pytest.param(rule("absolute"), 9, 0, 5, 0, 0, "adopted", 5,
                 id="five_yes_of_nine_seats_is_an_absolute_majority"),
    pytest.param(rule("absolute"), 9, 0, 4, 1, 0, "rejected", 5,
                 id="four_yes_of_nine_seats_misses_the_absolute_majority"),
    pytest.param(rule(), 5, 0, 2, 2, 0, "rejected", 3,
                 id="a_two_two_tie_fails"),
    pytest.param(rule(), 5, 0, 2, 1, 1, "adopted", 3,
                 id="abstention_excluded_two_yes_one_no_adopted"),
    pytest.param(rule(abstentions="counted"), 5, 0, 2, 1, 1, "rejected", 3,
                 id="abstention_counted_makes_two_yes_of_four_a_tie_which_fails"),
    pytest.param(rule(), 5, 2, 1, 0, 0, "no_quorum", 2,
                 id="two_recused_of_five_leave_three_and_one_voter_breaks_quorum"),
    pytest.param(rule(), 5, 2, 2, 0, 0, "adopted", 2,
                 id="two_recused_of_five_lower_the_quorum_to_two_of_three"),
    pytest.param(rule(), 5, 5, 0, 0, 0, "no_quorum", 0,
                 id="everyone_recused_so_nobody_can_decide"),
    pytest.param(rule(quorum_fraction=None, quorum_count=4), 5, 2, 3, 0, 0, "adopted", 3,
                 id="fixed_quorum_of_four_is_capped_at_the_three_seats_left"),
    pytest.param(rule(quorum_fraction=0.2, quorum_count=4), 5, 0, 3, 0, 0, "no_quorum", 4,
                 id="with_both_quorum_forms_the_stricter_applies"),
    pytest.param(rule("two_thirds"), 3, 0, 2, 1, 0, "adopted", 2,
                 id="two_yes_of_three_is_exactly_two_thirds_and_adopts"),
    pytest.param(rule("two_thirds"), 8, 0, 5, 3, 0, "rejected", 4,
                 id="five_yes_of_eight_falls_short_of_two_thirds"),
    pytest.param(rule("two_thirds", "counted"), 4, 0, 2, 0, 1, "adopted", 2,
                 id="two_thirds_with_abstention_counted_two_of_three"),
    pytest.param(rule("two_thirds", "counted"), 4, 0, 2, 1, 1, "rejected", 2,
                 id="two_thirds_with_abstention_counted_two_of_four_fails"),
    pytest.param(rule("two_thirds"), 4, 0, 0, 0, 2, "rejected", 2,
                 id="two_thirds_needs_at_least_one_yes"),
    pytest.param(rule("three_quarters"), 4, 0, 3, 1, 0, "adopted", 2,
                 id="three_yes_of_four_is_three_quarters_and_adopts"),
    pytest.param(rule("three_quarters"), 4, 0, 2, 1, 0, "rejected", 2,
                 id="two_yes_of_three_misses_three_quarters"),
    pytest.param(rule("unanimity"), 4, 0, 3, 0, 1, "adopted", 2,
                 id="unanimity_survives_an_abstention_when_excluded"),
    pytest.param(rule("unanimity", "counted"), 4, 0, 3, 0, 1, "rejected", 2,
                 id="unanimity_is_broken_by_an_abstention_when_counted"),
    pytest.param(rule("unanimity"), 4, 0, 0, 0, 3, "rejected", 2,
                 id="unanimity_of_abstentions_is_not_a_decision"),
    pytest.param(rule("unanimity"), 4, 0, 2, 1, 0, "rejected", 2,
                 id="one_no_breaks_unanimity"),
    pytest.param(rule("absolute"), 5, 0, 3, 0, 0, "adopted", 3,
                 id="three_yes_of_five_seats_is_an_absolute_majority"),
    pytest.param(rule("absolute", quorum_fraction=0.4), 5, 0, 2, 0, 0, "rejected", 2,
                 id="two_yes_no_no_of_five_seats_is_not_an_absolute_majority"),
    pytest.param(rule("absolute"), 5, 1, 3, 0, 0, "adopted", 2,
                 id="absolute_majority_counts_seats_left_after_recusal"),
    pytest.param(rule("absolute"), 4, 0, 2, 0, 0, "rejected", 2,
                 id="half_the_seats_is_not_an_absolute_majority"),
]


@pytest.mark.parametrize(
    ("vote_rule", "seats", "recused", "yes", "no", "abstain", "result", "quorum"), CASES
)
def test_a_vote_closes_with_the_outcome_the_bylaws_prescribe(
    vote_rule: VoteRule, seats: int, recused: int, yes: int, no: int, abstain: int,
    result: str, quorum: int,
) -> None:
    outcome = tally(vote_rule, seats, recused, yes, no, abstain)
    assert outcome.result == result
    assert outcome.quorum_required == quorum
    assert outcome.participants == yes + no + abstain


@pytest.mark.parametrize(
    ("fraction", "eligible", "required"),
    [
        pytest.param(0.5, 5, 3, id="half_of_five_rounds_up_to_three"),
        pytest.param(0.5, 4, 2, id="half_of_four_is_two"),
        pytest.param(0.3, 10, 3, id="thirty_percent_of_ten_is_exactly_three_not_four"),
        pytest.param(0.1, 30, 3, id="ten_percent_of_thirty_is_exactly_three"),
        pytest.param(2 / 3, 3, 2, id="two_thirds_of_three_is_two"),
        pytest.param(1.0, 7, 7, id="full_attendance_is_everyone"),
        pytest.param(0.0, 7, 0, id="zero_fraction_means_no_quorum"),
    ],
)
def test_quorum_fraction_is_computed_exactly_and_rounded_up(
    fraction: float, eligible: int, required: int
) -> None:
    assert VoteRule(quorum_fraction=fraction).quorum_for(eligible) == required


@pytest.mark.parametrize(
    ("vote_rule", "seats", "yes", "no", "abstain", "needed", "basis"),
    [
        pytest.param(rule(), 9, 2, 2, 1, 3, "simple_majority_of_votes_cast",
                     id="simple_majority_of_four_cast_needs_three_yes"),
        pytest.param(rule(abstentions="counted"), 9, 2, 2, 1, 3,
                     "simple_majority_of_participants",
                     id="simple_majority_of_five_voters_needs_three_yes"),
        pytest.param(rule("absolute"), 9, 1, 0, 0, 5, "absolute_majority_of_seats",
                     id="absolute_majority_of_nine_seats_needs_five_yes"),
        pytest.param(rule("two_thirds"), 9, 4, 3, 0, 5, "two_thirds_of_votes_cast",
                     id="two_thirds_of_seven_cast_needs_five_yes"),
        pytest.param(rule("three_quarters"), 9, 4, 2, 0, 5, "three_quarters_of_votes_cast",
                     id="three_quarters_of_six_cast_needs_five_yes"),
        pytest.param(rule("unanimity", "counted"), 9, 3, 0, 1, 4,
                     "unanimity_of_participants",
                     id="unanimity_of_four_voters_needs_four_yes"),
        pytest.param(rule("two_thirds"), 9, 0, 0, 0, 1, "two_thirds_of_votes_cast",
                     id="before_anyone_votes_at_least_one_yes_is_needed"),
    ],
)
def test_members_see_how_many_yes_votes_were_needed(
    vote_rule: VoteRule, seats: int, yes: int, no: int, abstain: int, needed: int, basis: str
) -> None:
    outcome = tally(vote_rule, seats, 0, yes, no, abstain)
    assert outcome.votes_needed == needed
    assert outcome.basis == basis


@pytest.mark.parametrize(
    ("outcome_args", "lang", "sentence"),
    [
        pytest.param((HALF, 5, 0, 4, 1, 0), "fr",
                     "Adoptée\u00a0: 4 pour, 1 contre, 0 abstention; quorum de 3 sur 5 atteint; "
                     "majorité simple des votes exprimés.",
                     id="adopted_in_french"),
        pytest.param((HALF, 5, 0, 4, 1, 0), "en",
                     "Adopted: 4 yes, 1 no, 0 abstain; quorum 3 of 5 reached; "
                     "simple majority of votes cast.",
                     id="adopted_in_english"),
        pytest.param((HALF, 5, 0, 2, 2, 1), "fr",
                     "Rejetée\u00a0: 2 pour, 2 contre, 1 abstention; quorum de 3 sur 5 atteint; "
                     "3 voix pour requises (majorité simple des votes exprimés).",
                     id="rejected_in_french_says_how_many_yes_were_needed"),
        pytest.param((HALF, 5, 0, 2, 2, 1), "en",
                     "Rejected: 2 yes, 2 no, 1 abstain; quorum 3 of 5 reached; "
                     "3 yes needed (simple majority of votes cast).",
                     id="rejected_in_english_says_how_many_yes_were_needed"),
        pytest.param((HALF, 5, 2, 1, 0, 0), "fr",
                     "Quorum non atteint\u00a0: 1 pour, 0 contre, 0 abstention; 1 participant sur 3, "
                     "il en fallait 2 (2 sièges récusés).",
                     id="no_quorum_in_french_mentions_recusals"),
        pytest.param((HALF, 5, 2, 1, 0, 0), "en",
                     "No quorum: 1 yes, 0 no, 0 abstain; 1 participant of 3, 2 needed "
                     "(2 recused).",
                     id="no_quorum_in_english_mentions_recusals"),
        pytest.param((HALF, 3, 3, 0, 0, 0), "fr",
                     "Quorum non atteint\u00a0: aucun siège ne peut voter (3 sièges récusés).",
                     id="everyone_recused_in_french"),
        pytest.param((VoteRule(majority="absolute"), 5, 0, 3, 0, 2), "en",
                     "Adopted: 3 yes, 0 no, 2 abstain; no quorum required; "
                     "absolute majority of seats.",
                     id="no_quorum_rule_in_english"),
    ],
)
def test_the_outcome_is_explained_in_a_sentence(
    outcome_args: tuple, lang: str, sentence: str
) -> None:
    assert tally(*outcome_args).explain(lang) == sentence


@pytest.mark.parametrize(
    ("seats", "recused", "voted", "can_close"),
    [
        pytest.param(5, 0, 5, True, id="all_five_voted_so_the_vote_can_close"),
        pytest.param(5, 0, 4, False, id="one_seat_still_to_vote_keeps_it_open"),
        pytest.param(5, 2, 3, True, id="recused_seats_are_not_waited_for"),
        pytest.param(5, 2, 2, False, id="one_non_recused_seat_still_to_vote"),
        pytest.param(3, 3, 0, True, id="nobody_can_vote_so_nothing_to_wait_for"),
    ],
)
def test_a_vote_closes_early_once_every_eligible_seat_has_voted(
    seats: int, recused: int, voted: int, can_close: bool
) -> None:
    assert can_close_early(HALF, seats, recused, voted) is can_close


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param((HALF, 5, 6, 0, 0, 0), "recused_exceeds_seats",
                     id="more_recusals_than_seats"),
        pytest.param((HALF, 5, 1, 3, 1, 1), "too_many_votes",
                     id="more_votes_than_eligible_seats"),
        pytest.param((HALF, 5, 0, -1, 0, 0), "count_invalid", id="negative_yes_count"),
        pytest.param((HALF, 5, 0, True, 0, 0), "count_invalid", id="boolean_is_not_a_count"),
    ],
)
def test_impossible_counts_are_refused_not_tallied(args: tuple, code: str) -> None:
    with pytest.raises(TallyError) as err:
        tally(*args)
    assert err.value.code == code


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        pytest.param({"majority": "plurality"}, "majority_unknown", id="unknown_majority"),
        pytest.param({"abstentions": "ignored"}, "abstentions_unknown",
                     id="unknown_abstention_policy"),
        pytest.param({"quorum_fraction": 1.5}, "quorum_fraction_invalid",
                     id="quorum_above_everyone"),
        pytest.param({"quorum_fraction": float("nan")}, "quorum_fraction_invalid",
                     id="quorum_not_a_number"),
        pytest.param({"quorum_count": -1}, "quorum_count_invalid", id="negative_quorum_count"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused(kwargs: dict, code: str) -> None:
    with pytest.raises(TallyError) as err:
        VoteRule(**kwargs)
    assert err.value.code == code


# --- properties --------------------------------------------------------------------------

rules = st.builds(
    VoteRule,
    quorum_fraction=st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    quorum_count=st.one_of(st.none(), st.integers(0, 40)),
    majority=st.sampled_from(MAJORITIES),
    abstentions=st.sampled_from(("excluded", "counted")),
)


@st.composite
def ballots(draw: st.DrawFn, room_for_one_more: bool = False) -> tuple[int, int, int, int, int]:
    """(seats, recused, yes, no, abstain) that can happen; optionally leaving a seat free."""
    seats = draw(st.integers(0, 40))
    recused = draw(st.integers(0, seats))
    free = seats - recused - (1 if room_for_one_more else 0)
    if free < 0:
        seats, free = seats + 1, 0
    yes = draw(st.integers(0, free))
    no = draw(st.integers(0, free - yes))
    abstain = draw(st.integers(0, free - yes - no))
    return seats, recused, yes, no, abstain


@given(rules, ballots(room_for_one_more=True))
def test_one_more_yes_vote_never_turns_an_adoption_into_a_rejection(
    vote_rule: VoteRule, ballot: tuple[int, int, int, int, int]
) -> None:
    seats, recused, yes, no, abstain = ballot
    before = tally(vote_rule, seats, recused, yes, no, abstain)
    after = tally(vote_rule, seats, recused, yes + 1, no, abstain)
    if before.result == "adopted":
        assert after.result == "adopted"
    if before.quorum_reached:
        assert after.quorum_reached


@given(rules, ballots())
def test_a_member_switching_from_no_to_yes_never_defeats_an_adoption(
    vote_rule: VoteRule, ballot: tuple[int, int, int, int, int]
) -> None:
    seats, recused, yes, no, abstain = ballot
    if no == 0:
        return
    before = tally(vote_rule, seats, recused, yes, no, abstain)
    after = tally(vote_rule, seats, recused, yes + 1, no - 1, abstain)
    if before.result == "adopted":
        assert after.result == "adopted"


@given(rules, ballots())
def test_an_adoption_always_has_its_quorum_and_its_votes(
    vote_rule: VoteRule, ballot: tuple[int, int, int, int, int]
) -> None:
    outcome: Outcome = tally(vote_rule, *ballot)
    if outcome.result == "adopted":
        assert outcome.quorum_reached
        assert outcome.participants >= outcome.quorum_required
        assert outcome.yes > 0
    # votes_needed is exactly the majority test once quorum is reached
    if outcome.quorum_reached:
        assert (outcome.result == "adopted") == (outcome.yes >= outcome.votes_needed)
    else:
        assert outcome.result == "no_quorum"
    assert 0 <= outcome.quorum_required <= outcome.eligible
    assert outcome.explain("fr") and outcome.explain("en")
