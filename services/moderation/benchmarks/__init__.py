"""`moderation bench`: speed figures printed, never asserted by a timed test."""
