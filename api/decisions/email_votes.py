"""Voting from the email: by following a vote button (then confirming), or by answering.

Both end in `service.cast_vote`, acting for the person the credential names, with every
check of a vote from the page (seat still held, not recused, still open, the seat not voted
by someone else); the register records the channel ("link" or "reply"). A credential is
useless for anything else: it signs nobody in, and opens nothing but this one vote.

* Links (`tokens.link_token`): following one only shows a confirmation page (mail scanners
  follow links: a GET never votes); "Confirmer mon vote" (a POST) casts it. A link for
  another decision or another choice, after the closing time, or for a recused seat is
  refused with a page that says why.
* Replies (`tokens.reply_address`): `relais inbound` (notifications/inbound.py) accepts mail
  for valid reply addresses only and hands each answer's first word here; the answer (vote
  recorded, refused, not understood) is queued to the voter's own address.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from api.collective.models import Person
from api.context import Context, Runtime
from api.decisions import notices, service, tokens
from api.decisions.models import Decision, Recusal, Vote
from api.errors import AppError, Forbidden
from api.i18n import normalise
from api.timeutil import now
from notifications.render import letterhead

log = logging.getLogger("relais.decisions")

# First words of an answer, once lower-cased and without accents.
REPLY_WORDS = {"pour": "yes", "yes": "yes", "contre": "no", "no": "no",
               "abstention": "abstain", "abstain": "abstain"}


class Gone(AppError):
    """The vote this link was for has closed."""

    status = 410


@dataclass
class LinkVote:
    """What a valid vote link stands for, with the voter's unit of work."""

    link: tokens.VoteLink
    decision: Decision
    voter: Context  # the unit of work acting for the link's person
    current: Vote | None  # the seat's vote right now

    @property
    def lang(self) -> str:
        return self.voter.viewer.lang


def read_link(ctx: Context, decision_id: int, choice: str, token: str) -> LinkVote:
    """The link's vote, checked as far as it can be without voting; refusals name why."""
    link = tokens.read_link_token(ctx.settings.secret_key, token)
    if link is None:
        raise Forbidden("decision.link.invalid")
    if link.decision_id != decision_id:
        raise Forbidden("decision.link.other_decision")
    if link.choice != choice:
        raise Forbidden("decision.link.other_choice")
    person = ctx.session.get(Person, link.person_id)
    if person is None or not person.is_active:
        raise Forbidden("decision.link.invalid")
    voter = ctx.acting_as(ctx.viewer_of(person))
    decision = voter.session.get(Decision, decision_id)
    if decision is None or not voter.viewer.can_see(decision.confidential_category, decision.body_id):
        raise Forbidden("decision.link.invalid")
    rules = service.judged_rules(voter, decision)
    if (now() >= link.expires_at or decision.closed_at is not None or decision.rules_version_id is None
            or not service.is_voting(rules, decision)
            or (decision.closes_at is not None and now() >= decision.closes_at)):
        raise Gone("decision.link.closed")
    recused = ctx.session.execute(select(Recusal.id).where(
        Recusal.decision_id == decision.id, Recusal.seat_id == link.seat_id)).first()
    if recused is not None:
        raise Forbidden("decision.link.recused")
    current = ctx.session.execute(select(Vote).where(
        Vote.decision_id == decision.id, Vote.seat_id == link.seat_id)).scalar_one_or_none()
    return LinkVote(link, decision, voter, current)


def link_language(ctx: Context, token: str) -> str | None:
    """The language of the person a (validly signed) link names, to refuse it in theirs."""
    link = tokens.read_link_token(ctx.settings.secret_key, token)
    person = ctx.session.get(Person, link.person_id) if link is not None else None
    return person.language if person is not None else None


def vote_by_link(ctx: Context, decision_id: int, choice: str, token: str) -> tuple[LinkVote, Vote, str]:
    """"Confirmer mon vote": the link's vote, through the page's service."""
    found = read_link(ctx, decision_id, choice, token)
    _, vote, status = service.cast_vote(found.voter, decision_id, choice, seat_id=found.link.seat_id,
                                        channel="link")
    found.current = vote
    return found, vote, status


# --- replies ------------------------------------------------------------------------------

def reply_word(word: str) -> str | None:
    """The choice an answer's first word means ("Pour", "CONTRE", "abstention", "yes"...)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word or "") if not unicodedata.combining(c))
    return REPLY_WORDS.get(plain.lower())


def vote_by_reply_in_own_transaction(runtime: Runtime, address: str, word: str,
                                     received_at: datetime | None = None) -> str:
    """Cast the vote an answer asks for, in a unit of work of its own, and queue the answer
    to the voter. Returns what happened: recorded / changed / unchanged / refused /
    not_understood / ignored (no such person or decision any more: nothing is sent)."""
    received_at = received_at or now()
    target = tokens.read_reply_address(runtime.settings.secret_key, address, _domain(runtime))
    if target is None:
        return "ignored"
    decision_id, person_id = target
    with runtime.unit_of_work() as ctx:
        person = ctx.session.get(Person, person_id)
        decision = ctx.session.get(Decision, decision_id)
        if person is None or not person.is_active or decision is None:
            return "ignored"
        voter = ctx.acting_as(ctx.viewer_of(person))
        if not voter.viewer.can_see(decision.confidential_category, decision.body_id):
            log.info("reply to decision %s from person %s who may not see it: ignored", decision_id, person_id)
            return "ignored"
        choice = reply_word(word)
        if choice is None:
            notices.receipt(voter, decision, person, "decision.mail.reply_not_understood",
                            received_at=received_at, help_text=True)
            return "not_understood"
        try:
            with ctx.session.begin_nested():  # a refused vote undoes only itself
                _, _, status = service.cast_vote(voter, decision_id, choice, channel="reply")
        except AppError as exc:
            notices.receipt(voter, decision, person, "decision.mail.reply_refused", received_at=received_at,
                            help_text=False, reason=exc.message(normalise(person.language)))
            return "refused"
        outcome = {"cast": "recorded", "changed": "changed", "unchanged": "unchanged"}[status]
        notices.receipt(voter, decision, person, f"decision.mail.reply_{outcome}", received_at=received_at,
                        choice=choice)
        return outcome


def _domain(runtime: Runtime) -> str:
    return letterhead(runtime.settings, runtime.rules).domain
