"""Workflows as data: a small library that turns states and transitions (from
governance_rules.yaml) into `transitions` machines and fires them.

It knows states, transitions, guards and hooks, and nothing of the application around it:
the caller hands it the workflow specs, an opaque unit of work (passed through to role
lookups, guards and hooks) and the actor. Recording a register event is an after-hook that
the application installs (`Engine.after_each`).
"""
