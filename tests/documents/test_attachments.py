"""Attachments on grant applications, reports, decisions and meetings: uploaded, kept by
content hash, downloaded only by whoever sees their object (an in-camera decision's file is
404 for staff, like the decision), refused when the content is not what the name says or when
too large, with a clear message. And the library of governance documents, each version
adopted by a decision. On SQLite and PostgreSQL."""

import hashlib

from sqlalchemy import func, select

from api.documents.demo import adopted_decision, tiny_pdf
from api.documents.models import Attachment, LibraryVersion
from tests.documents.conftest import LIMIT
from tests.grants.helpers import HANDROITS, make_application
from tests.helpers import CHAIR, MEMBERS, STAFF, csrf_of, sign_in, token_for, unit_of_work

PDF = tiny_pdf("Budget 2026-2027", ["Revenus et dépenses."])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(client, headers, object_type, object_id, name, data, title=None):
    form = {"object_type": object_type, "object_id": str(object_id)}
    if title:
        form["title"] = title
    return client.post("/api/v1/attachments", data=form, files={"file": (name, data, "application/pdf")},
                       headers=headers)


def _attachments(app) -> int:
    with app.state.runtime.database.session() as s:
        return s.execute(select(func.count()).select_from(Attachment)).scalar_one()


def test_a_file_attached_to_a_grant_application_comes_back_as_it_was(app, client, data_dir):
    lead = token_for(client, HANDROITS)
    grant = make_application(client, lead, confidential=False)
    r = _upload(client, lead, "grant_application", grant["id"], "budget.pdf", PDF, title="Budget détaillé")
    assert r.status_code == 201, r.text
    body = r.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (body["mime"], body["size"], body["sha256"], body["title"]) == ("application/pdf", len(PDF), digest,
                                                                           "Budget détaillé")
    assert (data_dir / "files" / digest[:2] / digest[2:4] / digest).read_bytes() == PDF
    got = client.get(f"/api/v1/attachments/{body['id']}/content", headers=lead)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in got.headers["content-disposition"]
    # The same content attached twice is kept once on disk.
    assert _upload(client, lead, "grant_application", grant["id"], "copie.pdf", PDF).status_code == 201
    assert len(list((data_dir / "files").rglob(digest))) == 1
    # The application's page lists it, and the page link downloads it.
    sign_in(client, HANDROITS)
    page = client.get(f"/grants/{grant['id']}").text
    assert "Budget détaillé" in page and f'/documents/{body["id"]}/download' in page
    assert client.get(f"/documents/{body['id']}/download").content == PDF


def test_an_in_camera_decisions_attachment_is_404_for_staff_like_the_decision(app, client):
    chair = token_for(client, CHAIR)
    r = client.post("/api/v1/decisions", json={"kind": "hiring", "title": "Embauche d'une intervenante",
                                               "text": "Recommandation du sous-comité RH."}, headers=chair)
    assert r.status_code == 201, r.text
    decision_id = r.json()["id"]
    # The chair attaches the CV summary from the decision's page, without JavaScript.
    sign_in(client, CHAIR)
    page = client.get(f"/decisions/{decision_id}").text
    assert 'action="/documents/attach"' in page and 'enctype="multipart/form-data"' in page
    r = client.post("/documents/attach", data={"csrf_token": csrf_of(page), "object_type": "decision",
                                               "object_id": str(decision_id), "title": "Grille d'entrevue"},
                    files={"file": ("grille.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/decisions/{decision_id}#attachments"
    page = client.get(f"/decisions/{decision_id}").text
    assert "Grille d&#39;entrevue" in page or "Grille d'entrevue" in page
    with app.state.runtime.database.session() as s:
        attachment_id = s.execute(select(Attachment.id)).scalar_one()
    # A member of the executive committee downloads it; staff get a 404 everywhere.
    assert client.get(f"/api/v1/attachments/{attachment_id}/content",
                      headers=token_for(client, MEMBERS[0])).status_code == 200
    staff = token_for(client, STAFF)
    assert client.get(f"/api/v1/attachments/{attachment_id}/content", headers=staff).status_code == 404
    assert client.get(f"/api/v1/attachments/{attachment_id}", headers=staff).status_code == 404
    assert client.get(f"/api/v1/attachments?object_type=decision&object_id={decision_id}",
                      headers=staff).status_code == 404
    assert _upload(client, staff, "decision", decision_id, "x.pdf", PDF).status_code == 404
    client.cookies.clear()
    sign_in(client, STAFF)
    assert client.get(f"/documents/{attachment_id}/download").status_code == 404


def test_a_file_whose_content_does_not_match_its_name_is_refused(app, client):
    lead = token_for(client, HANDROITS)
    grant = make_application(client, lead, confidential=False)
    r = _upload(client, lead, "grant_application", grant["id"], "budget.pdf", PNG)
    assert r.status_code == 415 and "ne correspond pas à son extension (.pdf)" in r.json()["message"]
    r = _upload(client, lead, "grant_application", grant["id"], "notes.pdf", b"#!/bin/sh\necho hello\n")
    assert r.status_code == 415 and "n'est pas accepté" in r.json()["message"]
    r = _upload(client, lead, "grant_application", grant["id"], "photo.png", PNG)
    assert r.status_code == 201 and r.json()["mime"] == "image/png"
    assert _attachments(app) == 1


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(app, client):
    lead = token_for(client, HANDROITS)
    grant = make_application(client, lead, confidential=False)
    big = PDF + b"%" + b"0" * LIMIT
    r = _upload(client, lead, "grant_application", grant["id"], "gros.pdf", big)
    assert r.status_code == 413
    assert r.json()["message"] == "Le fichier dépasse la taille permise (1 Mo)."
    sign_in(client, HANDROITS)
    page = client.get(f"/grants/{grant['id']}").text
    assert "1 Mo au plus" in page  # the form says the limit before anyone tries
    r = client.post("/documents/attach", data={"csrf_token": csrf_of(page), "object_type": "grant_application",
                                               "object_id": str(grant["id"])},
                    files={"file": ("gros.pdf", big, "application/pdf")})
    assert r.status_code == 413 and "dépasse la taille permise (1 Mo)" in r.text
    assert f'href="/grants/{grant["id"]}#attachments"' in r.text
    assert _attachments(app) == 0


def test_staff_may_not_attach_to_a_public_decision_they_see(app, client):
    chair = token_for(client, CHAIR)
    decision_id = client.post("/api/v1/decisions", json={"kind": "budget", "title": "Budget révisé"},
                              headers=chair).json()["id"]
    staff = token_for(client, STAFF)
    assert client.get(f"/api/v1/attachments?object_type=decision&object_id={decision_id}",
                      headers=staff).json() == []
    assert _upload(client, staff, "decision", decision_id, "x.pdf", PDF).status_code == 403


def test_governance_documents_have_versions_each_adopted_by_a_decision(app, client, runtime):
    with unit_of_work(runtime, CHAIR) as ctx:
        adopted = adopted_decision(ctx, "procedure", "Adoption du code d'éthique", "Texte.").id
    chair = token_for(client, CHAIR)
    pending = client.post("/api/v1/decisions", json={"kind": "procedure", "title": "Révision"}, headers=chair).json()
    doc = client.post("/api/v1/library", json={"title": "Code d'éthique", "kind": "code_of_ethics"}, headers=chair)
    assert doc.status_code == 201, doc.text
    doc_id = doc.json()["id"]
    r = client.post(f"/api/v1/library/{doc_id}/versions", data={"decision_id": str(pending["id"])},
                    files={"file": ("code.pdf", PDF, "application/pdf")}, headers=chair)
    assert r.status_code == 422 and r.json()["field"] == "decision_id"
    r = client.post(f"/api/v1/library/{doc_id}/versions", data={"decision_id": str(adopted)},
                    files={"file": ("code.pdf", PDF, "application/pdf")}, headers=chair)
    assert r.status_code == 201, r.text
    assert (r.json()["number"], r.json()["decision_id"]) == (1, adopted)
    # Everyone signed in reads the library, staff included; staff do not edit it.
    staff = token_for(client, STAFF)
    library = client.get("/api/v1/library", headers=staff).json()
    assert library[0]["versions"][0]["decision_id"] == adopted
    assert client.get(f"/api/v1/library/versions/{r.json()['id']}/content", headers=staff).content == PDF
    assert client.post("/api/v1/library", json={"title": "X", "kind": "other"}, headers=staff).status_code == 403
    sign_in(client, CHAIR)
    page = client.get(f"/library/{doc_id}").text
    assert "Version 1" in page and f'href="/decisions/{adopted}"' in page and "En vigueur" in page
    with runtime.database.session() as s:
        assert s.execute(select(func.count()).select_from(LibraryVersion)).scalar_one() == 1
