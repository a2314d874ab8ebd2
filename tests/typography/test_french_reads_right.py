"""French and English that read right: numbers, times and time zones, plurals, and the
register's actions as sentences."""

from datetime import UTC, datetime

from api.i18n import format_number, t
from api.web import format_datetime
from tests.helpers import CHAIR, sign_in


def test_french_numbers_use_a_decimal_comma_and_non_breaking_thousands():
    assert format_number(2.5, "fr") == "2,50"
    assert format_number(12345.67, "fr") == "12\u00a0345,67"
    assert format_number(12345.67, "en") == "12,345.67"


def test_french_times_never_break_and_name_the_zone_hne_or_hae():
    winter = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 17 h 00 in Montréal, standard time
    summer = datetime(2026, 6, 23, 21, 0, tzinfo=UTC)
    assert format_datetime(winter, "fr", "America/Toronto") == "23\u00a0novembre 2026, 17\u00a0h\u00a000 (HNE)"
    assert format_datetime(summer, "fr", "America/Toronto").endswith("17\u00a0h\u00a000 (HAE)")
    assert format_datetime(winter, "en", "America/Toronto") == "November 23, 2026, 5:00 PM (EST)"
    assert format_datetime(summer, "en", "America/Toronto").endswith("(EDT)")


def test_one_day_is_singular_and_several_are_plural():
    assert t("notif.email.in_days", "fr", count=1) == "dans 1 jour"
    assert t("notif.email.in_days", "fr", count=3) == "dans 3 jours"
    assert t("notif.email.in_days", "en", count=1) == "in 1 day"


def test_the_register_shows_actions_as_sentences_not_codes(client):
    from api.register.sentences import sentence

    assert sentence("decision.open", "decision", 12, "fr") == "Ouverture de la décision n°\u00a012"
    assert sentence("decision.open", "decision", 12, "en") == "Opened decision #12"
    assert sentence("task.time_logged", "task", 4, "fr") == "Heures inscrites de la tâche n°\u00a04"
    from api.register.service import record
    from tests.helpers import unit_of_work

    with unit_of_work(client.app, CHAIR) as ctx:
        record(ctx.session, action="decision.adopt", object_type="decision", object_id=41,
               actor_id=ctx.actor_id, before={"state": "open"}, after={"state": "adopted"})
    sign_in(client, CHAIR)
    page = client.get("/register")
    assert page.status_code == 200
    assert "Adoption de la décision n°\u00a041" in page.text
    assert "decision.adopt" not in page.text and "→ adopted" not in page.text


def test_calendar_titles_do_not_repeat_the_kind_the_badge_already_shows():
    from api.collective.models import Body
    from api.committees.deadlines import meeting_deadline, task_deadline
    from api.committees.models import Meeting, Task

    task = Task(id=4, title="Préparer le budget", due_at=datetime(2026, 11, 5, 15, tzinfo=UTC), owners=[])
    deadline = task_deadline(task)
    assert deadline.title("en") == "Préparer le budget" and not deadline.title("en").startswith("Task")
    body = Body(id=1, name_fr="Comité exécutif", name_en="Executive committee")
    meeting = Meeting(id=9, title="Rencontre mensuelle", body=body, body_id=1,
                      starts_at=datetime(2026, 11, 5, 22, tzinfo=UTC))

    class NoSession:
        def execute(self, *_):
            return type("R", (), {"scalars": lambda self: []})()

    found = meeting_deadline(NoSession(), meeting)
    assert found.title("en") == "Executive committee: Rencontre mensuelle"
    assert found.title("fr") == "Comité exécutif\u00a0: Rencontre mensuelle"
    assert "Meeting" not in found.title("en")


def test_counts_agree_with_their_nouns_never_abstention_s():
    assert t("decision.tally", "fr", yes=3, no=1, abstain=1).endswith("1 abstention")
    assert t("decision.tally", "fr", yes=3, no=1, abstain=2).endswith("2 abstentions")
    assert t("decision.nudge_sent", "fr", n=1) == "Relance envoyée (1 courriel)."
    assert t("decision.nudge_sent", "en", n=3) == "Reminder sent (3 emails)."
    assert t("logbook.people_n", "en", n=1) == "1 person"
    from api.i18n import catalog

    for key, text in catalog().items():
        for lang in ("fr", "en"):
            assert "(s)" not in text[lang], (key, lang)


def test_an_english_decision_page_says_vote_closes_without_a_french_space(client, as_chair):
    from sqlalchemy import select

    from api.collective.models import Person
    from tests.decisions.conftest import create_and_open
    from tests.helpers import unit_of_work

    decision_id = create_and_open(client, as_chair)
    with unit_of_work(client.app) as ctx:
        ctx.session.execute(select(Person).where(Person.email == CHAIR)).scalar_one().language = "en"
    sign_in(client, CHAIR)
    page = client.get(f"/decisions/{decision_id}")
    assert page.status_code == 200
    assert "Vote closes:</strong>" in page.text and "Vote closes :" not in page.text
    assert "(EST)" in page.text or "(EDT)" in page.text
    with unit_of_work(client.app) as ctx:
        ctx.session.execute(select(Person).where(Person.email == CHAIR)).scalar_one().language = "fr"
    french = client.get(f"/decisions/{decision_id}")
    assert "Fermeture du vote\u00a0:</strong>" in french.text
    assert "(HNE)" in french.text or "(HAE)" in french.text


def test_hours_logged_on_a_task_read_2_50_h_in_french(client, as_chair, as_member):
    from tests.committees.helpers import body_id, create_task
    from tests.helpers import MEMBERS

    me = client.get("/api/v1/me", headers=as_member).json()
    task = create_task(client, as_chair, body_id(client, as_chair, "administration"), owner_ids=[me["id"]]).json()
    r = client.post(f"/api/v1/tasks/{task['id']}/time-entries", json={"hours": "2.5", "on_date": "2026-10-01"},
                    headers=as_member)
    assert r.status_code == 201, r.text
    sign_in(client, MEMBERS[0])
    page = client.get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    assert "2,50\u00a0h" in page.text and ">2.50<" not in page.text
