"""The two single-purpose credentials of voting from an email, signed with the secret key.

* A **vote link** (one per button of an invitation or a reminder): who votes, for which seat,
  on which decision, which choice, until when (the closing time as it was when the email
  left). Signed with itsdangerous (its own salt: a session or API token never passes for one,
  nor the reverse). It proves nothing else: the vote itself goes through the same service as
  the page, which checks the seat, the recusals and the closing again.
* A **reply address** `vote+<decision>.<person>.<mac>@<domain>`: the Reply-To of a person's
  invitation. The MAC is an HMAC-SHA256 of (decision, person) under the secret key, cut to
  80 bits, in lowercase hex so that mail systems that lower-case addresses do not break it,
  and short enough for the 64-character limit of an address's local part.

Pure functions: no database, no settings (the caller passes the key).
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

LINK_SALT = "relais.decision.vote-link"
REPLY_SALT = "relais.decision.vote-reply"
CHOICES = ("yes", "no", "abstain")
REPLY_PREFIX = "vote+"
_REPLY = re.compile(r"^vote\+(\d{1,10})\.(\d{1,10})\.([0-9a-f]{20})$")
MAX_TOKEN = 400  # longer strings are not read at all


@dataclass(frozen=True)
class VoteLink:
    person_id: int
    seat_id: int
    decision_id: int
    choice: str
    expires_at: datetime


def link_token(secret: str, *, person_id: int, seat_id: int, decision_id: int, choice: str,
               expires_at: datetime) -> str:
    payload = [person_id, seat_id, decision_id, choice, int(expires_at.timestamp())]
    return URLSafeSerializer(secret, salt=LINK_SALT).dumps(payload)


def read_link_token(secret: str, token: str) -> VoteLink | None:
    """The link's content, or None when it was not signed by this key or is malformed."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        payload = URLSafeSerializer(secret, salt=LINK_SALT).loads(token)
    except BadSignature:
        return None
    if (not isinstance(payload, list) or len(payload) != 5 or payload[3] not in CHOICES
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                       for v in (payload[0], payload[1], payload[2], payload[4]))):
        return None
    person_id, seat_id, decision_id, choice, expires = payload
    return VoteLink(person_id, seat_id, decision_id, choice, datetime.fromtimestamp(expires, UTC))


def _mac(secret: str, decision_id: int, person_id: int) -> str:
    message = f"{REPLY_SALT}:{decision_id}:{person_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:20]


def reply_local_part(secret: str, decision_id: int, person_id: int) -> str:
    return f"{REPLY_PREFIX}{decision_id}.{person_id}.{_mac(secret, decision_id, person_id)}"


def reply_address(secret: str, decision_id: int, person_id: int, domain: str) -> str:
    return f"{reply_local_part(secret, decision_id, person_id)}@{domain}"


def read_reply_address(secret: str, address: str, domain: str) -> tuple[int, int] | None:
    """(decision id, person id) of a reply address of this domain signed with this key."""
    address = (address or "").strip().strip("<>").lower()
    if len(address) > 254 or address.count("@") != 1:
        return None
    local_part, at_domain = address.split("@")
    if at_domain != domain.lower():
        return None
    match = _REPLY.match(local_part)
    if match is None:
        return None
    decision_id, person_id = int(match.group(1)), int(match.group(2))
    if not hmac.compare_digest(match.group(3), _mac(secret, decision_id, person_id)):
        return None
    return decision_id, person_id
