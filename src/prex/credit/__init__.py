"""Credit records (信用记录): violations, blacklists with a scope and a period, rewards and
contract performance of organisations and experts; the one check every entry point asks before
a bidder acts (:func:`prex.credit.queries.refuse_if_blacklisted`), experts' deductions from
their evaluation behaviour, the public credit pages and the upstream credit dataset."""
