"""The committees area: sub-committee tasks and meetings of the bodies.

Installed after the decisions area, whose decision workflow it listens to (an adopted
minutes-approval decision approves its meeting's minutes)."""

from sqlalchemy import func, select

from api.committees import deadlines, guards, meetings, pages, routes, tasks
from api.committees.demo import committees_demo
from api.committees.models import AgendaItem, Meeting, Task
from api.registry import Registry
from workflows.engine import Binding


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    registry.engine.add_guard("reason_given", guards.reason_given)
    registry.engine.add_guard("cancel_reason_given", guards.cancel_reason_given)
    registry.engine.add_guard("minutes_approval_adopted", guards.minutes_approval_adopted)
    registry.engine.bind(Binding(object_type="task", workflow_name=lambda obj: "task",
                                 actor_roles=tasks.task_roles))
    registry.engine.bind(Binding(object_type="meeting", workflow_name=lambda obj: "meeting",
                                 actor_roles=meetings.meeting_roles))
    registry.engine.on_transition("task", tasks.after_transition)
    registry.engine.on_transition("meeting", meetings.after_transition)
    registry.engine.on_transition("decision", meetings.on_decision_transition)
    registry.add_provider(deadlines.TASK_KIND, deadlines.task_deadlines)
    registry.add_provider(deadlines.MEETING_KIND, deadlines.meeting_deadlines)
    # Current confidentiality (an agenda item can be moved in camera; it is as confidential
    # as its meeting otherwise): read by the register, the outbox and the emails.
    registry.add_scope("task", lambda: select(Task.id, Task.confidential_category, Task.body_id))
    registry.add_scope("meeting", lambda: select(Meeting.id, Meeting.confidential_category, Meeting.body_id))
    registry.add_scope("agenda_item", lambda: select(
        AgendaItem.id, func.coalesce(AgendaItem.confidential_category, Meeting.confidential_category),
        AgendaItem.body_id).join(Meeting, Meeting.id == AgendaItem.meeting_id))
    registry.add_demo(40, committees_demo)
    registry.add_nav("nav.committees", "/committees")
    registry.add_nav("nav.meetings", "/meetings")
    registry.sections.append(pages.my_tasks_section)
