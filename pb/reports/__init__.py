"""Answering for the money, to the funder and to residents: the funding agreement and its
drawdowns, the holding account's bank statements reconciled with what pb recorded, and the
receipts and payments accounts of each financial year."""
