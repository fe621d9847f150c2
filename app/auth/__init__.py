"""Who is asking: tokens, passwords, rate limits, and the one data-scoping helper."""
