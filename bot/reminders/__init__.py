"""Deadline reminders: the Chinese working calendar, the plan, and delivery that is never repeated."""
