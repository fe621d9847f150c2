"""Points: the append-only ledger, sign-in, referrals, the mall with vouchers, and campaigns."""

from __future__ import annotations
