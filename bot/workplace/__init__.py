"""The workplace: units, people and invites, review before final, the county coordinator's commands."""
