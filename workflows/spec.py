"""The shape of one workflow in the rules file: states and the transitions between them."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class TransitionRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trigger: Key
    source: Key | list[Key]
    dest: Key
    allowed: list[Key] = Field(min_length=1)  # actor roles that may fire it ("system" too)
    conditions: list[Key] = []  # guard names, all of which must pass

    @property
    def sources(self) -> list[str]:
        return [self.source] if isinstance(self.source, str) else list(self.source)


class WorkflowRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    initial: Key
    states: list[Key] = Field(min_length=1)
    final: list[Key] = []
    transitions: list[TransitionRules] = Field(min_length=1)

    def triggers_from(self, state: str) -> list[str]:
        """Triggers defined from `state`, in the order of the rules, each once."""
        seen: list[str] = []
        for tr in self.transitions:
            if state in tr.sources and tr.trigger not in seen:
                seen.append(tr.trigger)
        return seen

    def dests_of(self, *triggers: str) -> set[str]:
        """Where these triggers lead."""
        return {tr.dest for tr in self.transitions if tr.trigger in triggers}

    def states_before(self, trigger: str) -> set[str]:
        """States from which `trigger` can still be reached (its sources and their ancestors)."""
        found = {s for tr in self.transitions if tr.trigger == trigger for s in tr.sources}
        frontier = set(found)
        while frontier:
            new = {s for tr in self.transitions if tr.dest in frontier for s in tr.sources} - found
            found |= new
            frontier = new
        return found
