-- Fingerprint pairs of C001 and C002: each pair of different bidders of one lot whose
-- machines agree on a fingerprint field, with the fields (list) and shortened digests.
-- The two rules differ only in their final filter, so the pipeline is made once a run.
WITH live AS (
    SELECT lot_id, tender_id, bidder_id, mac_hashes, disk_hashes
    FROM bids WHERE status = 'live' AND opened AND lot_id IS NOT NULL AND bidder_id IS NOT NULL
), raw AS (
    SELECT lot_id, tender_id, bidder_id, 'mac' AS field, unnest(mac_hashes) AS value FROM live
    UNION ALL SELECT lot_id, tender_id, bidder_id, 'disk', unnest(disk_hashes) FROM live
), keyed AS (
    -- digests are lower-case hex as the sealing tool writes them (sealing.fingerprint)
    SELECT lot_id, tender_id, bidder_id, field, hash(value) AS key, left(value, 12) AS shown
    FROM raw
    WHERE value IS NOT NULL AND value <> '' AND NOT list_contains($placeholders, value)
)
--@include lot_value_pairs
, cpus AS (
    -- the CPU digest names a model that thousands of machines share: it is compared only for
    -- pairs that already share a MAC or a disk
    SELECT DISTINCT lot_id, bidder_id, cpu_hash FROM bids
    WHERE status = 'live' AND opened AND cpu_hash IS NOT NULL AND cpu_hash <> ''
      AND NOT list_contains($placeholders, cpu_hash)
      AND lot_id IN (SELECT lot_id FROM pairs)
), cpu_pairs AS (
    SELECT x.lot_id, x.bidder_id AS a, y.bidder_id AS b, left(min(x.cpu_hash), 12) AS shown
    FROM cpus x JOIN cpus y
      ON y.lot_id = x.lot_id AND y.cpu_hash = x.cpu_hash AND x.bidder_id < y.bidder_id
    GROUP BY x.lot_id, x.bidder_id, y.bidder_id
)
SELECT p.lot_id, p.tender_id, p.a, p.b,
       CASE WHEN c.a IS NULL THEN p.fields
            ELSE list_sort(list_append(p.fields, 'cpu')) END AS fields,
       CASE WHEN c.a IS NULL THEN p.shared
            ELSE list_sort(list_append(p.shared, 'cpu:' || c.shown)) END AS hashes
FROM pairs p LEFT JOIN cpu_pairs c USING (lot_id, a, b)
