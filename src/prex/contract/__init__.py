"""Conformance kits: checks an outside supplier runs against its extension module before a
centre installs it (``prex contract …``; the extension points are in ``prex.extensions``)."""
