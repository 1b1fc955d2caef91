"""The electronic archive (电子档案): a finished transaction's dossier, packed as one signed and
timestamped file that anyone can check offline, years later, with ``prex archive verify``.

* :mod:`prex.archive.collectors` — the registry of sections, one small function per context;
* :mod:`prex.archive.package` — the ZIP and its manifest (standard library only);
* :mod:`prex.archive.verify` — the offline check (no database, no settings);
* :mod:`prex.archive.service` — building, listing, downloading, the worker's consumer, the sweep.

The format, byte by byte, is in docs/archive.md.
"""
