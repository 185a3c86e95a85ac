"""The moderator queue: held comments for humans, whose reviews flow back as events."""
