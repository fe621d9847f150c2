"""Imports from the core business system: one row per uploaded/imported file."""
