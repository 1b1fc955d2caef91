"""Experts: the registry of evaluation experts (评标专家库) — specialties, home centre, employer,
title, years of practice, credit, blacklist, availability, declared interests and services —
its CSV import, per-tender pseudonyms, and the verifiable draw of a committee (``draw``).

Modules: ``model`` (pure: titles, the entry rule, the record types), ``codes`` (the specialty
code list), ``fields`` (checking one field of a record), ``orm``, ``events``, ``registry``
(use cases), ``queries`` (lists and the draw's pool), ``csv_import``, ``pseudonyms``, ``pool``
(what the draw sees of an expert) and ``draw``.
"""
