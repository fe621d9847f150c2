"""Outgoing messages: templates, the outbox, per-recipient consent and opt-outs."""
