"""Conformance kits for outside modules: an outside supplier runs one against its own module
(``prex contract …``) to prove it behaves as prex expects before it is connected to a live
centre. Each kit plays prex's part for real — real signatures, real HTTP — checks named
behaviours, reports every check passed or failed with its reason, and exits 1 on any failure.

- :mod:`prex.contract.webhook_receiver`: a receiver of prex's signed webhook deliveries;
- :mod:`prex.contract.guarantee_provider`: an electronic-guarantee provider module
  (``prex.guarantee_providers``; the extension points are in :mod:`prex.extensions`).
"""
