"""The scoring-api role: a Perspective-compatible scoring API, our own decision API and
Coral's External Moderation Phase, over the classifier's scorer, legal checks and policy.

Stateless: it answers HTTP requests, follows `articles.context` for the legal checks and
publishes what Coral sends it to Kafka. See docs/perspective-migration.md.
"""
