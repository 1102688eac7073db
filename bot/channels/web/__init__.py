"""The web channel: the interview, the three tables and the county view on an intranet page."""
