"""Demo logbook, and the two funders' reports written from it.

* Seed 004 — the regional agreement on community support in social housing
  (Chaudière-Appalaches, 2nd agreement, 2013-04-01..2016-03-31): 145 interventions whose
  statistics give the published ones to the percent — 85 % in OMH, 7 % in OBNL, 4 % in
  co-ops; 80 % reach youth and families; 55 % individual, 45 % collective (66 % group
  projects, 15 % tenants' association); one person in five referred; 46 % of referrals to the
  CISSS (31 % mental health, 20 % seniors losing autonomy), 35 % to community organisations
  (34 % food aid, 18 % budget help). Its report (template `regional_agreement`) is submitted,
  its figures frozen.
* Seed 001 — "Mercier-Est en réseau" for Centraide (funded 2017-06-01..2018-05-31, report
  due 2017-09-28): 860 contacts, 30 people followed, 3 crisis interventions. Its report
  (template `centraide`) is written in five sections and submitted.
* The ÉRR's last four months, across the MRC's municipalities, for a lively statistics page;
  the coordinator is named.

Generated deterministically (no randomness that changes from one load to the next), imported
in batches (`service.import_entries`: one register event per batch). Installed by
`api/logbook/area.py` (order 35, after the grants).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from api.collective.models import Person
from api.context import Context
from api.documents.demo import adopted_decision
from api.grants import reports
from api.grants import service as grants
from api.grants.demo import PIPELINE, REGIONAL_AGREEMENT, _deadline, _move
from api.grants.models import Funder, GrantApplication, Report
from api.grants.schemas import ApplicationIn, FunderIn, RequirementIn
from api.logbook import service
from api.logbook.models import Coordinator, Entry
from api.logbook.schemas import EntryFields, ReferralIn

OWNER = "gestion.handroits@relais.demo"
COORDINATOR = "coordination.err@relais.demo"
WORKERS = ["intervention1.err@relais.demo", "intervention2.err@relais.demo"]

SEED_004 = (date(2013, 4, 1), date(2016, 3, 31))
SEED_001 = (date(2017, 6, 1), date(2018, 5, 31))
SEED_001_DUE = date(2017, 9, 28)


def _spread(n: int, start: date, end: date) -> list[date]:
    span = (end - start).days
    return [start + timedelta(days=(i * span) // max(n, 1)) for i in range(n)]


def _repeat(pairs: list[tuple[str, int]]) -> list[str]:
    return [key for key, n in pairs for _ in range(n)]


def seed_004_entries() -> list[EntryFields]:
    """145 interventions reproducing seed 004's percentages (see the module's note)."""
    rng = random.Random(4004)
    n = 145
    sites = _repeat([("omh_thetford", 40), ("omh_st_joseph", 28), ("omh_montmagny", 25), ("omh_levis", 30),
                     ("obnl_etchemins", 10), ("coop_dosquet", 6), ("park", 3), ("youth_centre", 3)])
    modes = _repeat([("individual", 76), ("crisis", 4), ("collective_project", 43), ("tenants_association", 10),
                     ("group", 12)])
    rng.shuffle(sites)
    # 116 of 145 reach youth and families (80 %), the others adults or seniors only.
    youth = [True] * 116 + [False] * 29
    rng.shuffle(youth)
    individual = [i for i in range(n) if modes[i] in ("individual", "crisis")]
    collective = [i for i in range(n) if i not in individual]
    people = [0] * n
    for i in individual:
        people[i] = 1 + (i % 5 == 0)  # 1 or 2 (a parent and a child)
    rest = 550 - sum(people)  # 550 people in all: 110 referrals are one in five
    for k, i in enumerate(collective):
        people[i] = rest // len(collective) + (1 if k < rest % len(collective) else 0)
    # Referrals: 51 to the CISSS (16 mental health, 10 loss of autonomy), 38 to community
    # organisations (13 food aid, 7 budget), 21 elsewhere — 110 in all.
    refs = ([("cisss", "mental_health")] * 16 + [("cisss", "loss_of_autonomy")] * 10
            + [("cisss", "physical_health")] * 13 + [("cisss", "substance_use")] * 12
            + [("community", "food")] * 13 + [("community", "budget")] * 7 + [("community", "isolation")] * 10
            + [("community", "family")] * 8
            + [("housing_office", "housing")] * 9 + [("employment", "employment")] * 7 + [("legal", None)] * 5)
    rng.shuffle(refs)
    slots = individual + individual[:30]  # one referral in 80 interventions, two in 30 of them
    by_entry: dict[int, list[tuple[str, str | None]]] = {}
    for i, ref in zip(slots, refs, strict=True):
        by_entry.setdefault(i, []).append(ref)
    other_issues = ["housing", "isolation", "neighbours", "emotional", "family", "access_to_services"]
    out = []
    for i in range(n):
        total = people[i]
        if youth[i]:
            ages = ["young_adults", "teens", "children"] if total > 2 else ["young_adults", "teens"]
        else:
            ages = ["adults", "seniors"]
        split: dict[str, int] = {}
        for k in range(total):
            age = ages[k % len(ages)]
            split[age] = split.get(age, 0) + 1
        entry_refs = by_entry.get(i, [])
        issues = sorted({iss for _, iss in entry_refs if iss} | {other_issues[i % len(other_issues)]})
        out.append(EntryFields(
            site=sites[i], mode=modes[i], people=split, duration_minutes=[30, 45, 60, 90][i % 4],
            followups=1 if modes[i] == "individual" and i % 7 == 0 else 0, issues=issues,
            referrals=[ReferralIn(resource=r, issue=iss) for r, iss in entry_refs]))
    return out


def seed_001_entries() -> list[EntryFields]:
    """120 interventions in Mercier-Est: 860 contacts, 30 people followed, 3 crises."""
    out = []
    individual_people = 0
    for i in range(87):
        count = 1 + (i % 3 == 0)
        individual_people += count
        out.append(EntryFields(site="mercier_est", mode="individual", people={"adults" if i % 2 else "seniors": count},
                               followups=1 if i < 30 else 0, duration_minutes=45,
                               issues=["isolation"] + (["access_to_services"] if i % 4 == 0 else [])))
    for _ in range(3):
        out.append(EntryFields(site="mercier_est", mode="crisis", people={"adults": 1}, duration_minutes=120,
                               issues=["mental_health", "emotional"],
                               referrals=[ReferralIn(resource="cisss", issue="mental_health")]))
    rest = 860 - individual_people - 3
    for k in range(30):
        count = rest // 30 + (1 if k < rest % 30 else 0)
        out.append(EntryFields(site="mercier_est", mode="group", people={"adults": count - count // 3,
                                                                          "seniors": count // 3},
                               duration_minutes=120, issues=["isolation"]))
    return out


def recent_entries(today: date) -> list[tuple[int, EntryFields, int]]:
    """(worker index, entry, days ago) — the last four months of the ÉRR."""
    rng = random.Random(2026)
    sites = ["magog"] * 8 + ["omh_magog"] * 5 + ["eastman", "austin", "stanstead", "potton", "north_hatley",
                                                  "ayers_cliff", "orford", "sainte_catherine_de_hatley",
                                                  "food_bank", "youth_centre", "park"]
    modes = ["individual"] * 6 + ["group", "collective_project", "crisis", "tenants_association"]
    ages = ["children", "teens", "young_adults", "adults", "seniors"]
    issues = ["housing", "food", "budget", "mental_health", "substance_use", "isolation", "emotional", "family",
              "transport", "access_to_services", "loss_of_autonomy", "employment"]
    out = []
    for k in range(150):
        mode = rng.choice(modes)
        many = mode in ("group", "collective_project", "tenants_association")
        people: dict[str, int] = {}
        for _ in range(rng.randint(3, 9) if many else rng.randint(1, 2)):
            age = rng.choice(ages)
            people[age] = people.get(age, 0) + 1
        chosen = sorted(set(rng.sample(issues, rng.randint(1, 3))))
        refs = []
        if not many and rng.random() < 0.35:
            refs.append(ReferralIn(resource=rng.choice(["cisss", "community", "community", "clinic", "employment"]),
                                   issue=chosen[0]))
        out.append((k % 3, EntryFields(site=rng.choice(sites), mode=mode, people=people, issues=chosen,
                                       referrals=refs, duration_minutes=rng.choice([20, 30, 45, 60, 90]),
                                       followups=1 if mode == "individual" and rng.random() < 0.15 else 0),
                    (k * 120) // 150 + 1))
    return out


SECTIONS_001 = {
    "objectives": "Mettre sur pied un réseau de travailleurs de proximité guidés par des valeurs de solidarité et "
                  "de bienveillance ; créer un lieu virtuel d'échange entre les citoyens et les travailleurs de "
                  "proximité.",
    "results": "Création du réseau de travailleurs de proximité, mode de fonctionnement élaboré et objectifs communs "
               "identifiés. Mise à disposition de lieux accueillants pour les rendez-vous de suivi dans trois "
               "organismes communautaires du quartier.",
    "means": "Trois rencontres entre les travailleurs de proximité (deux avec les directions, une avec les "
             "travailleurs seulement) ; analyse des données socio-spatiales ; démarchage auprès des directions "
             "des organismes.",
    "adjustments": "Le volet virtuel a été retardé par le départ de la première chargée de projet ; la nouvelle "
                   "chargée de projet est entrée en poste à la mi-septembre.",
    "learnings": "Ne pas partir de zéro et profiter des ressources existantes ; garder les rencontres simples et "
                 "proches de la façon de travailler des travailleurs de proximité ; il faut plus de temps que prévu "
                 "pour créer un lien de confiance et un mode commun de collecte de données.",
}

SECTIONS_004 = {
    "achievements": "Soutien communautaire offert aux locataires des OMH, des OBNL et des coopératives d'habitation ; "
                    "travailleurs de proximité ajoutés à l'équipe de soutien communautaire du CISSS ; équipes locales "
                    "élargies (ÉLÉ) mises en place.",
    "impacts": "Meilleure connaissance des services et accès plus fluide aux ressources ; plus d'activités "
               "communautaires ; participation des locataires aux ÉLÉ.",
    "adjustments": "Intensité de l'intervention doublée dans six milieux ciblés.",
    "learnings": "Le journal de bord a permis de documenter les interventions en continu et d'ajuster la démarche "
                 "en cours de route.",
}


def _person(ctx: Context, email: str) -> Person | None:
    return ctx.session.execute(select(Person).where(Person.email == email)).scalar_one_or_none()


def _application(ctx: Context, funder: Funder, title: str, period: tuple[date, date], amount: int,
                 due: date, kind: str) -> Report | None:
    decision_id = None
    if Decimal(amount) > Decimal(ctx.rules.grants.submission_decision_threshold):
        # Above the threshold, submitting needs the executive committee's decision.
        decision = adopted_decision(ctx, "grant_submission", f"Dépôt — {title}",
                                    "Le conseil exécutif autorise le dépôt de la demande.")
        if decision is None:
            return None
        decision_id = decision.id
    app = grants.create_application(ctx, ApplicationIn(
        funder_id=funder.id, title=title, amount_requested=Decimal(amount), confidential=False,
        submission_decision_id=decision_id, period_start=period[0], period_end=period[1],
        application_deadline=_deadline(period[0] - timedelta(days=60), ctx.tz),
        requirements=[RequirementIn(kind=kind, due_rule="fixed", due_date=due)]))
    _move(ctx, app, PIPELINE["active"], Decimal(amount))
    return ctx.session.execute(select(Report).where(Report.application_id == app.id)).scalars().first()


def _write_and_submit(ctx: Context, report: Report, template: str, texts: dict[str, str]) -> None:
    reports.setup(ctx, report.id, template, None, None)
    for key, text in texts.items():
        reports.save_section(ctx, report.id, key, text, None)
    for trigger in ["start", "send_to_review", "submit"]:
        ctx.registry.engine.fire(ctx, report, trigger, ctx.viewer.person, ctx.rules, grants.REPORT)


def load_logbook(ctx: Context, today: date) -> None:
    session = ctx.session
    if session.execute(select(func.count()).select_from(Entry)).scalar_one():
        return
    workers = [_person(ctx, e) for e in WORKERS]
    coordinator = _person(ctx, COORDINATOR)
    owner = _person(ctx, OWNER)
    if None in workers or coordinator is None or owner is None:
        return
    as_coordinator = ctx.acting_as(ctx.viewer_of(coordinator))
    session.add(Coordinator(person_id=coordinator.id))
    team = [workers[0].id, workers[1].id, coordinator.id]

    rows_004 = seed_004_entries()
    days = _spread(len(rows_004), *SEED_004)
    service.import_entries(as_coordinator, [
        (team[i % 2], e.model_copy(update={"occurred_on": d}), d) for i, (e, d) in enumerate(zip(rows_004, days,
                                                                                            strict=True))],
        "Journal de bord en ligne — Entente spécifique 2013-2016")
    rows_001 = seed_001_entries()
    days = _spread(len(rows_001), SEED_001[0], SEED_001_DUE - timedelta(days=1))
    service.import_entries(as_coordinator, [
        (team[0], e.model_copy(update={"occurred_on": d}), d) for e, d in zip(rows_001, days, strict=True)],
        "Bilan d'activités de la travailleuse de proximité — Mercier-Est en réseau")
    recent = [(team[w], e.model_copy(update={"occurred_on": today - timedelta(days=ago)}), today - timedelta(days=ago))
              for w, e, ago in recent_entries(today)]
    service.import_entries(as_coordinator, recent, "Équipe Ressources Relais")

    # The funders' reports written from the logbook.
    as_owner = ctx.acting_as(ctx.viewer_of(owner))
    regional = session.execute(select(Funder).where(Funder.name == REGIONAL_AGREEMENT)).scalars().first()
    if regional is None:
        regional = grants.create_funder(as_owner, FunderIn(name=REGIONAL_AGREEMENT, kind="regional_agreement"))
    report_004 = _application(as_owner, regional, "Soutien communautaire en logement social — 2e Entente (bilan)",
                              SEED_004, 41300, date(2016, 6, 30), "final")
    centraide = grants.create_funder(as_owner, FunderIn(
        name="Centraide du Grand Montréal", kind="foundation",
        contacts="Comité de développement social", programmes="Projets de quartier — travail de proximité"))
    report_001 = _application(as_owner, centraide, "Mercier-Est en réseau", SEED_001, 10000, SEED_001_DUE,
                              "narrative_interim")
    if report_004 is not None:
        _write_and_submit(as_owner, report_004, "regional_agreement", SECTIONS_004)
    if report_001 is not None:
        _write_and_submit(as_owner, report_001, "centraide", SECTIONS_001)
    # The ÉRR's current envelope: its first report is written from the logbook too (live figures).
    envelope = session.execute(select(Report).join(GrantApplication, GrantApplication.id == Report.application_id)
                               .where(GrantApplication.title.like("Enveloppe du conseil%"))
                               .order_by(Report.due_date)).scalars().first()
    if envelope is not None and envelope.template_key is None:
        reports.setup(as_owner, envelope.id, "centraide", None, None)
