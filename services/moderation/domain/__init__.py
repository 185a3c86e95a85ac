"""Pure domain: events, labels, reason codes and policy. Imports no framework."""
