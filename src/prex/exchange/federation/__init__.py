"""Federation of centres: subscribing to other prex instances' OCDS feeds and to any OCDS
publisher, importing release packages from disk, and the province-wide index of records."""
