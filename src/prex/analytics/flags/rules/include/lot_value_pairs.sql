-- The pairs of different bidders of one lot that hold the same value. Included after a rule's
-- own CTEs, the last of which is ``keyed(lot_id, tender_id, bidder_id, field, key, shown)``:
-- one row per value a bidder's bid holds, ``key`` a hash of the (normalised) value and
-- ``shown`` what the evidence prints. Defines ``pairs(lot_id, tender_id, a, b, fields, shared)``
-- (a < b; the fields they share and ``field:shown`` of each). Binds ``$max_market_bidders``: a
-- value held by more bidders than that across the market is ignored (0: no such cap).
, candidates AS (
    -- values that two or more different bidders hold anywhere in the market (min ≠ max): few,
    -- since a machine, a file, an address or a person is normally one bidder's, so grouping
    -- the market's values first (one group per value) keeps the per-lot grouping below to the
    -- rows that can make a pair — about three times faster than grouping every row by lot
    SELECT field, key FROM keyed GROUP BY field, key HAVING min(bidder_id) <> max(bidder_id)
), candidate_rows AS (
    SELECT * FROM keyed SEMI JOIN candidates USING (field, key)
), lot_keys AS (
    -- per lot, each value held by two or more different bidders, grouped on one hash of lot,
    -- field and value (a third faster than on the three; a collision only adds a group that
    -- ``shared`` then finds with one bidder); where values repeat across the market (names)
    -- ``candidates`` keeps most rows, and this cheap grouping is what keeps ``shared`` small
    SELECT hash(lot_id, field, key) AS h FROM candidate_rows
    GROUP BY h HAVING min(bidder_id) <> max(bidder_id)
), shared AS (
    SELECT lot_id, any_value(tender_id) AS tender_id, field, key, any_value(shown) AS shown,
           list(DISTINCT bidder_id ORDER BY bidder_id) AS bidders
    FROM candidate_rows c SEMI JOIN lot_keys s ON hash(c.lot_id, c.field, c.key) = s.h
    GROUP BY lot_id, field, key HAVING min(bidder_id) <> max(bidder_id)
), common AS (
    -- a value seen with more than max_market_bidders bidders across the market is a default,
    -- an image, a template or a shared gateway, not one machine, person or file
    SELECT c.field, c.key FROM candidate_rows c SEMI JOIN shared s USING (field, key)
    GROUP BY c.field, c.key
    HAVING $max_market_bidders > 0 AND count(DISTINCT c.bidder_id) > $max_market_bidders
), usable AS (
    SELECT * FROM shared ANTI JOIN common USING (field, key)
), firsts AS (
    SELECT lot_id, tender_id, field, shown, bidders, unnest(bidders) AS a FROM usable
), pairs AS (
    SELECT lot_id, tender_id, a, b,
           list(DISTINCT field ORDER BY field) AS fields,
           list(DISTINCT field || ':' || shown ORDER BY field || ':' || shown) AS shared
    FROM (SELECT lot_id, tender_id, field, shown, a, unnest(bidders) AS b FROM firsts)
    WHERE a < b
    GROUP BY lot_id, tender_id, a, b
)
