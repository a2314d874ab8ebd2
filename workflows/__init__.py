"""Workflows as data: the states and transitions of governance_rules.yaml become `transitions`
machines here, and one service fires them (permission, guard, state, register, together)."""
