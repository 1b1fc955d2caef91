"""Listings (挂牌), timed rounds (限时竞价) and English auctions for land-use and mining rights and
state-owned property (issue 6): sold, not bought — the highest bid at or above a secret reserve
wins."""
