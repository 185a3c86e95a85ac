"""Toxicity scorers behind one interface, returning Detoxify's labels."""
