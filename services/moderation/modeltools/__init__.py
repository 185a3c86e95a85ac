"""Tooling apart from run time: training, export and data for the shipped models."""
