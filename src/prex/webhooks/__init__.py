"""Webhooks: outside modules subscribe to public event types and receive them, signed, in order.

See docs/webhooks.md for the receiver's side (headers, verifying with openssl, retries, replay
protection) and :mod:`prex.webhooks.delivery` for how the outbox becomes deliveries.
"""
