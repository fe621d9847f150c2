"""Points: the ledger (ledger.py) and what earns and spends points: sign-in, referrals, policy
awards, the mall and campaigns. Each public function owns its transaction."""
