"""Adapters to the outside world: Kafka, the embedded broker, storage."""
