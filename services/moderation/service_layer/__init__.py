"""Use cases: turn commands and events into decisions, with dependencies passed in."""
