"""Reminders and email: deadlines from every area, an outbox, the scheduler, delivery."""
