"""The committees area: sub-committee tasks and meetings of the bodies.

Installed after the decisions area, whose decision workflow it listens to (an adopted
minutes-approval decision approves its meeting's minutes)."""

from api.committees import deadlines, guards, meetings, pages, routes, tasks
from api.committees.demo import committees_demo
from api.registry import Registry
from workflows.engine import Binding


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    registry.engine.add_guard("reason_given", guards.reason_given)
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
    registry.add_demo(40, committees_demo)
    registry.add_nav("nav.committees", "/committees")
    registry.add_nav("nav.meetings", "/meetings")
    registry.sections.append(pages.my_tasks_section)
