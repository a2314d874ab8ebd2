"""Demo library of governance documents (seed 000: the ÉRR's administrative tools): its
operating rules and code of ethics, each adopted by an executive-committee decision, and the
travel-expense procedure adopted in the decisions' demo. The files are small PDFs made here.

Installed by `api/documents/area.py` (order 40, after the decisions and the grants).
"""

from datetime import date
from io import BytesIO

from sqlalchemy import func, select

from api.collective.models import Person
from api.context import Context
from api.decisions import service as decisions
from api.decisions.models import Decision
from api.decisions.schemas import DecisionIn
from api.documents import service
from api.documents.models import LibraryDocument

CHAIR = "direction.cje@relais.demo"
VOTERS = ["gestion.handroits@relais.demo", "organisation.ciusss@relais.demo",
          "direction.mdj@relais.demo", "coordination.mem@relais.demo"]


def tiny_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF (Helvetica, Windows-1252 text): enough for a demo document."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = [f"BT /F1 16 Tf 72 760 Td ({esc(title)}) Tj ET"]
    y = 730
    for line in lines:
        ops.append(f"BT /F1 11 Tf 72 {y} Td ({esc(line)}) Tj ET")
        y -= 16
    stream = "\n".join(ops).encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def adopted_decision(ctx: Context, kind: str, title: str, text: str) -> Decision | None:
    """A decision of the executive committee, opened and voted yes by its five voting seats
    (it closes, adopted, when all have voted); None when the demo people are missing or the
    rules in force do not adopt it so."""
    people = {p.email: p for p in ctx.session.execute(
        select(Person).where(Person.email.in_([CHAIR, *VOTERS]))).scalars()}
    if len(people) != 1 + len(VOTERS):
        return None

    def as_(email: str) -> Context:
        return ctx.acting_as(ctx.viewer_of(people[email]))

    decision = decisions.create(as_(CHAIR), DecisionIn(kind=kind, title=title, text=text))
    decisions.transition(as_(CHAIR), decision.id, "open")
    for email in [CHAIR, *VOTERS]:
        decisions.cast_vote(as_(email), decision.id, "yes")
    return decision if service.is_adopted(ctx, decision) else None


DOCUMENTS = [
    ("rules_of_operation", "Règles de fonctionnement du comité des partenaires",
     "Composition, rôle et fonctionnement du comité des partenaires et du conseil exécutif.",
     "Adoption des règles de fonctionnement",
     ["Le comité des partenaires se réunit deux fois par année.",
      "Le conseil exécutif se réunit une fois par mois et se divise en sous-comités :",
      "ressources humaines, financement, administration, communications.",
      "Les points de financement et de ressources humaines sont traités à huis clos."]),
    ("code_of_ethics", "Code d'éthique",
     "Respect de la personne, non-jugement, confidentialité des personnes rejointes.",
     "Adoption du code d'éthique",
     ["Les intervenants travaillent dans le respect de la personne et le non-jugement.",
      "Aucun renseignement permettant d'identifier une personne n'est consigné",
      "dans les outils statistiques."]),
]


def load_library(ctx: Context, today: date) -> None:
    session = ctx.session
    if session.execute(select(func.count()).select_from(LibraryDocument)).scalar_one():
        return
    chair = session.execute(select(Person).where(Person.email == CHAIR)).scalar_one_or_none()
    if chair is None:
        return
    as_chair = ctx.acting_as(ctx.viewer_of(chair))
    for kind, title, description, decision_title, lines in DOCUMENTS:
        decision = adopted_decision(ctx, "procedure", decision_title, f"Le conseil exécutif adopte : {title}.")
        doc = service.create_document(as_chair, title, kind, description)
        if decision is not None:
            service.add_version(as_chair, doc.id, BytesIO(tiny_pdf(title, lines)), f"{title}.pdf", decision.id,
                                None, "Première version adoptée.")
    travel = session.execute(select(Decision).where(
        Decision.title == "Procédure de remboursement des frais de déplacement")).scalars().first()
    if travel is not None and service.is_adopted(ctx, travel):
        doc = service.create_document(as_chair, "Procédure de remboursement des frais de déplacement", "other",
                                      "Frais de déplacement des intervenants.")
        service.add_version(as_chair, doc.id, BytesIO(tiny_pdf(doc.title, [
            "Les frais de déplacement des intervenants sont remboursés à 0,50 $/km",
            "sur pièces justificatives."])), "frais-de-deplacement.pdf", travel.id, None, None)
