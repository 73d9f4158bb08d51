"""The auditor's side, above the domains it reads: the audit pages (entries, checkpoints, verifying
a log, the verifier download) and the auditor pack export. The ledger itself, and `record(...)`,
stay in pb.ledger at the foundation."""
