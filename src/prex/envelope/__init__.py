"""Sealed bid envelopes: pure cryptography shared by the offline sealing client and the server."""
