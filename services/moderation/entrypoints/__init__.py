"""Thin entry points: decode, call the service layer, publish."""
