"""The interview: a channel-free engine that asks, parses, stores and drafts, driven by the definitions."""
