-- Per lot, the statistics of its live, opened, positive prices that the screens S001–S006
-- read (each keeps the lots with at least its own `min_bids` bids and computes its statistic):
-- one pass over the bids for the six screens instead of one each. b2 is the second-lowest
-- price, sd_losing the standard deviation of all but the lowest.
WITH priced AS (
    SELECT lot_id, tender_id, price::DOUBLE AS price,
           row_number() OVER (PARTITION BY lot_id ORDER BY price) AS k
    FROM bids
    WHERE status = 'live' AND opened AND price IS NOT NULL AND price > 0 AND lot_id IS NOT NULL
), stats AS (
    SELECT lot_id, any_value(tender_id) AS tender_id, count(*) AS n,
           avg(price) AS mean, stddev_samp(price) AS sd,
           min(price) AS b1, max(price) FILTER (WHERE k = 2) AS b2, max(price) AS bn,
           stddev_samp(price) FILTER (WHERE k > 1) AS sd_losing,
           kurtosis(price) AS kurt, skewness(price) AS skew
    FROM priced GROUP BY lot_id
)
SELECT s.lot_id, coalesce(s.tender_id, l.tender_id) AS tender_id, l.transaction_type, s.n,
       s.mean, s.sd, s.b1, s.b2, s.bn, s.sd_losing, s.kurt, s.skew
FROM stats s JOIN lots l USING (lot_id)
