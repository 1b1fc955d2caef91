"""End-to-end tests use the ``client`` and ``world`` fixtures of tests/conftest.py."""
