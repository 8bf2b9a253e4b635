"""Decider: choose open, closed or hybrid AI models with an explainable rules engine."""
