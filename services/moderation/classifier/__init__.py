"""The classifier role: comments.submitted -> moderation.decisions (app.py, consumer.py)."""
