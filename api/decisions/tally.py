"""The outcome of an online vote: quorum, majority and a sentence anyone can read.

Pure and stdlib-only so the same rules serve the live preview, the closing job and the
tests. Every comparison is done on integers or exact fractions: a vote that passes
"exactly at two thirds" must not depend on floating-point luck.

Vocabulary:
- *eligible*: voting seats on the body minus the seats recused for a conflict of interest;
  recused seats neither vote nor count towards quorum or absolute majority.
- *participants*: yes + no + abstain; abstentions always count towards the quorum.
- *cast*: the base of a relative majority, yes + no, plus abstain when the rule says
  abstentions are "counted" (they then weigh like a no).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Majority = Literal["simple", "absolute", "two_thirds", "three_quarters", "unanimity"]
Abstentions = Literal["excluded", "counted"]
Result = Literal["adopted", "rejected", "no_quorum"]

MAJORITIES: tuple[str, ...] = ("simple", "absolute", "two_thirds", "three_quarters", "unanimity")
ABSTENTIONS: tuple[str, ...] = ("excluded", "counted")

# Share of the cast votes that must be yes, as (numerator, denominator), for the
# "at least a fraction" majorities.
_AT_LEAST: dict[str, tuple[int, int]] = {"two_thirds": (2, 3), "three_quarters": (3, 4)}


class TallyError(ValueError):
    """Impossible counts or rule: a bug upstream, refused rather than tallied into nonsense."""

    def __init__(self, code: str, field: str | None = None, **params: object):
        self.code, self.field, self.params = code, field, params
        super().__init__(f"{code} ({field}): {params}" if field else f"{code}: {params}")


@dataclass(frozen=True)
class VoteRule:
    """How a body decides. With both quorum forms set the stricter (larger) one applies;
    with neither there is no quorum."""

    quorum_fraction: float | None = None
    quorum_count: int | None = None
    majority: Majority = "simple"
    abstentions: Abstentions = "excluded"

    def __post_init__(self) -> None:
        if self.majority not in MAJORITIES:
            raise TallyError("majority_unknown", "majority", value=self.majority)
        if self.abstentions not in ABSTENTIONS:
            raise TallyError("abstentions_unknown", "abstentions", value=self.abstentions)
        if self.quorum_fraction is not None:
            if isinstance(self.quorum_fraction, bool) or not 0 <= self.quorum_fraction <= 1:
                raise TallyError("quorum_fraction_invalid", "quorum_fraction",
                                 value=self.quorum_fraction)
        if self.quorum_count is not None:
            if (isinstance(self.quorum_count, bool) or not isinstance(self.quorum_count, int)
                    or self.quorum_count < 0):
                raise TallyError("quorum_count_invalid", "quorum_count", value=self.quorum_count)

    def quorum_for(self, eligible: int) -> int:
        """Participants required among `eligible` seats.

        The fraction goes through its decimal string so 0.5 × 5 is exactly 2.5 and rounds
        up to 3 (never 2 because of a binary 0.4999…)."""
        required = 0
        if self.quorum_fraction is not None:
            required = math.ceil(Fraction(str(self.quorum_fraction)) * eligible)
        if self.quorum_count is not None:
            required = max(required, min(self.quorum_count, eligible))
        return required

    @property
    def basis(self) -> str:
        """Stable key naming the majority and its base, e.g. for translations."""
        if self.majority == "absolute":
            return "absolute_majority_of_seats"
        base = "votes_cast" if self.abstentions == "excluded" else "participants"
        name = "simple_majority" if self.majority == "simple" else self.majority
        return f"{name}_of_{base}"


@dataclass(frozen=True)
class Outcome:
    """The tally of one vote; `explain` turns it into the sentence shown to members."""

    result: Result
    quorum_required: int
    participants: int
    quorum_reached: bool
    votes_needed: int
    basis: str
    yes: int
    no: int
    abstain: int
    eligible: int
    recused: int

    def explain(self, lang: str = "fr") -> str:
        """One sentence in French (``fr*``) or English (anything else)."""
        return _explain_fr(self) if lang.lower().startswith("fr") else _explain_en(self)


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TallyError("count_invalid", name, value=value)


def _cast(rule: VoteRule, yes: int, no: int, abstain: int) -> int:
    return yes + no + (abstain if rule.abstentions == "counted" else 0)


def votes_needed(rule: VoteRule, eligible: int, yes: int, no: int, abstain: int) -> int:
    """Smallest number of yes votes that adopts, holding the current voters fixed.

    "Current voters" is today's cast (yes + no, plus abstain when counted): the answer to
    "of the N votes cast, how many yes were needed?". Absolute majority ignores the cast
    and depends on the seats only. Never below 1: nothing is adopted without a yes. With
    quorum reached, ``yes >= votes_needed`` is exactly the majority test.
    """
    cast = _cast(rule, yes, no, abstain)
    if rule.majority == "simple":
        return cast // 2 + 1
    if rule.majority == "absolute":
        return eligible // 2 + 1
    if rule.majority in _AT_LEAST:
        num, den = _AT_LEAST[rule.majority]
        return max(1, -(-num * cast // den))
    return max(1, cast)  # unanimity


def _majority_reached(rule: VoteRule, eligible: int, yes: int, no: int, abstain: int) -> bool:
    """The rules as written in the bylaws; ties always fail."""
    cast = _cast(rule, yes, no, abstain)
    if rule.majority == "simple":
        return 2 * yes > cast  # excluded: same as yes > no
    if rule.majority == "absolute":
        return 2 * yes > eligible
    if rule.majority in _AT_LEAST:
        num, den = _AT_LEAST[rule.majority]
        return cast > 0 and yes > 0 and den * yes >= num * cast
    return yes > 0 and yes == cast  # unanimity


def tally(rule: VoteRule, eligible_seats: int, recused: int, yes: int, no: int,
          abstain: int) -> Outcome:
    """Decide a vote. Refuses counts that cannot happen (more voters than eligible seats)."""
    for name, value in (("eligible_seats", eligible_seats), ("recused", recused), ("yes", yes),
                        ("no", no), ("abstain", abstain)):
        _check_count(name, value)
    if recused > eligible_seats:
        raise TallyError("recused_exceeds_seats", "recused", recused=recused,
                         eligible_seats=eligible_seats)
    eligible = eligible_seats - recused
    participants = yes + no + abstain
    if participants > eligible:
        raise TallyError("too_many_votes", "participants", participants=participants,
                         eligible=eligible)

    quorum_required = rule.quorum_for(eligible)
    # Nobody can vote (everyone recused, empty body): there is no decision to speak of.
    quorum_reached = eligible > 0 and participants >= quorum_required
    if not quorum_reached:
        result: Result = "no_quorum"
    elif _majority_reached(rule, eligible, yes, no, abstain):
        result = "adopted"
    else:
        result = "rejected"
    return Outcome(
        result=result,
        quorum_required=quorum_required,
        participants=participants,
        quorum_reached=quorum_reached,
        votes_needed=votes_needed(rule, eligible, yes, no, abstain),
        basis=rule.basis,
        yes=yes,
        no=no,
        abstain=abstain,
        eligible=eligible,
        recused=recused,
    )


def can_close_early(rule: VoteRule, eligible_seats: int, recused: int, voted: int) -> bool:
    """True once every eligible (non-recused) seat has voted: waiting cannot change anything.

    Deliberately not "once the outcome is mathematically certain": members who have not yet
    voted keep their say until the deadline. `rule` is taken so a future rule kind can refine
    this without changing callers. With no eligible seat the condition holds trivially.
    """
    del rule
    for name, value in (("eligible_seats", eligible_seats), ("recused", recused),
                        ("voted", voted)):
        _check_count(name, value)
    return voted >= max(0, eligible_seats - recused)


# --- sentences -------------------------------------------------------------------------

_BASIS_FR = {
    "simple_majority_of_votes_cast": "majorité simple des votes exprimés",
    "simple_majority_of_participants": "majorité simple des votants, abstentions comprises",
    "absolute_majority_of_seats": "majorité absolue des sièges",
    "two_thirds_of_votes_cast": "deux tiers des votes exprimés",
    "two_thirds_of_participants": "deux tiers des votants, abstentions comprises",
    "three_quarters_of_votes_cast": "trois quarts des votes exprimés",
    "three_quarters_of_participants": "trois quarts des votants, abstentions comprises",
    "unanimity_of_votes_cast": "unanimité des votes exprimés",
    "unanimity_of_participants": "unanimité des votants, abstentions comprises",
}

_BASIS_EN = {
    "simple_majority_of_votes_cast": "simple majority of votes cast",
    "simple_majority_of_participants": "simple majority of those voting, abstentions included",
    "absolute_majority_of_seats": "absolute majority of seats",
    "two_thirds_of_votes_cast": "two thirds of votes cast",
    "two_thirds_of_participants": "two thirds of those voting, abstentions included",
    "three_quarters_of_votes_cast": "three quarters of votes cast",
    "three_quarters_of_participants": "three quarters of those voting, abstentions included",
    "unanimity_of_votes_cast": "unanimity of votes cast",
    "unanimity_of_participants": "unanimity of those voting, abstentions included",
}


def basis_text(basis: str, lang: str = "fr") -> str:
    """The majority rule in words: "majorité simple des votes exprimés"."""
    table = _BASIS_FR if lang.lower().startswith("fr") else _BASIS_EN
    return table.get(basis, basis)


def _s(n: int, word: str, plural: str | None = None) -> str:
    """French plural: 0 and 1 take the singular."""
    return f"{n} {word}" if n <= 1 else f"{n} {plural or word + 's'}"


def _explain_fr(o: Outcome) -> str:
    counts = f"{o.yes} pour, {o.no} contre, {_s(o.abstain, 'abstention')}"
    recused = f" ({_s(o.recused, 'siège récusé', 'sièges récusés')})" if o.recused else ""
    basis = _BASIS_FR[o.basis]
    if o.eligible == 0:
        return f"Quorum non atteint\u00a0: aucun siège ne peut voter{recused}."
    if o.quorum_required == 0:
        quorum = f"aucun quorum requis{recused}"
    else:
        state = "atteint" if o.quorum_reached else "non atteint"
        quorum = f"quorum de {o.quorum_required} sur {o.eligible} {state}{recused}"
    if o.result == "adopted":
        return f"Adoptée\u00a0: {counts}; {quorum}; {basis}."
    if o.result == "rejected":
        needed = f"{o.votes_needed} voix pour {'requise' if o.votes_needed <= 1 else 'requises'}"
        return f"Rejetée\u00a0: {counts}; {quorum}; {needed} ({basis})."
    return (f"Quorum non atteint\u00a0: {counts}; {_s(o.participants, 'participant')} sur "
            f"{o.eligible}, il en fallait {o.quorum_required}{recused}.")


def _explain_en(o: Outcome) -> str:
    counts = f"{o.yes} yes, {o.no} no, {o.abstain} abstain"
    recused = f" ({o.recused} recused)" if o.recused else ""
    basis = _BASIS_EN[o.basis]
    if o.eligible == 0:
        return f"No quorum: no seat can vote{recused}."
    if o.quorum_required == 0:
        quorum = f"no quorum required{recused}"
    else:
        state = "reached" if o.quorum_reached else "not reached"
        quorum = f"quorum {o.quorum_required} of {o.eligible} {state}{recused}"
    if o.result == "adopted":
        return f"Adopted: {counts}; {quorum}; {basis}."
    if o.result == "rejected":
        return f"Rejected: {counts}; {quorum}; {o.votes_needed} yes needed ({basis})."
    people = f"{o.participants} participant{'' if o.participants == 1 else 's'}"
    return (f"No quorum: {counts}; {people} of {o.eligible}, "
            f"{o.quorum_required} needed{recused}.")
