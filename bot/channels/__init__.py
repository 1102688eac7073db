"""Channels translate between people and the interview: Telegram, and the terminal."""
