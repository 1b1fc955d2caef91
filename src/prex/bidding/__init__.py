"""Sealed bids on the server side: opening custodians, opening keys, envelopes and receipts."""
