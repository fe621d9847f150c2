"""Field encryption, keyed hashes and masking of personal data."""
