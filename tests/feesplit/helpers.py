"""Helpers for the fee-split stories: organisation ids by name, a split proposed and adopted
through the real API (the chair opens the vote, the members who are not recused vote yes).
Sign-in, CSRF and tokens come from `tests.helpers`."""

from sqlalchemy import func, select

from api.collective.models import Organisation
from tests.helpers import CHAIR, MEMBERS, token_for

HAN_DROITS = "Han-Droits"  # treasurer's organisation (community)
CJM = "Corporation Jeunesse Memphrémagog"  # secretary's organisation (community)
MEM = "Memphré en Mouvement"  # a member's organisation (community)
CJE = "Carrefour jeunesse-emploi Memphrémagog"  # the chair's organisation (community)
CIUSSS = "CIUSSS de l'Estrie-CHUS"  # public institution: never eligible
ZONE_LIBRE = "Zone Libre"  # community, but no seat on the executive committee
NEUTRAL = MEMBERS[1]  # the CIUSSS member: never a beneficiary, never recused
THREE = (HAN_DROITS, CJM, MEM)


def org_ids(app) -> dict[str, int]:
    with app.state.runtime.database.session() as session:
        return {o.name: o.id for o in session.execute(select(Organisation)).scalars()}


def payload(app, amount="1 000,00", period="2026-2027", weights=None, **extra) -> dict:
    ids = org_ids(app)
    weights = weights or {name: "1" for name in THREE}
    return {"amount": amount, "period": period,
            "weights": {str(ids[name]): w for name, w in weights.items()}, **extra}


def propose(client, app, headers, **kwargs) -> dict:
    r = client.post("/api/v1/fee-splits", json=payload(app, **kwargs), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def adopt(client, decision_id: int) -> None:
    """Every executive-committee voter votes yes; the recused beneficiaries are refused (403)."""
    chair = token_for(client, CHAIR)
    r = client.post(f"/api/v1/decisions/{decision_id}/transitions", json={"trigger": "open"},
                    headers=chair)
    assert r.status_code == 200, r.text
    for email in (CHAIR, *MEMBERS):
        r = client.post(f"/api/v1/decisions/{decision_id}/votes", json={"choice": "yes"},
                        headers=token_for(client, email))
        assert r.status_code in (200, 201, 403), r.text
        if client.get(f"/api/v1/decisions/{decision_id}", headers=chair).json()["state"] != "open":
            break
    r = client.get(f"/api/v1/decisions/{decision_id}", headers=chair)
    assert r.json()["state"] == "adopted", r.text


def propose_and_adopt(client, app, headers, **kwargs) -> dict:
    split = propose(client, app, headers, **kwargs)
    adopt(client, split["decision_id"])
    r = client.get(f"/api/v1/fee-splits/{split['id']}", headers=headers)
    assert r.status_code == 200
    return r.json()


def count_rows(app, model) -> int:
    with app.state.runtime.database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()

