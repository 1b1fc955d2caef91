-- The recurring pairs of M001 and M002: two bidders who met in at least `min_meetings`
-- lots with a Jaccard similarity of their lots of at least `min_jaccard`, with how often
-- each won those lots. The co-bidding self-join is the two rules' costliest step: made
-- once a run.
WITH live AS (
    SELECT DISTINCT lot_id, bidder_id FROM bids
    WHERE status = 'live' AND opened AND lot_id IS NOT NULL AND bidder_id IS NOT NULL
), activity AS (
    SELECT bidder_id, count(*) AS lots FROM live GROUP BY bidder_id
), active AS (
    -- a bidder with fewer lots than min_meetings can be in no recurring group
    SELECT l.* FROM live l JOIN activity a USING (bidder_id) WHERE a.lots >= $min_meetings
), winners AS (
    SELECT lot_id, tender_id, winner_id FROM lots WHERE winner_id IS NOT NULL
), pairs AS (
    SELECT x.bidder_id AS a, y.bidder_id AS b, count(*) AS meetings,
           count(*) FILTER (WHERE w.winner_id = x.bidder_id) AS wins_a,
           count(*) FILTER (WHERE w.winner_id = y.bidder_id) AS wins_b
    FROM active x JOIN active y ON y.lot_id = x.lot_id AND x.bidder_id < y.bidder_id
    LEFT JOIN winners w ON w.lot_id = x.lot_id
    GROUP BY x.bidder_id, y.bidder_id HAVING count(*) >= $min_meetings
)
SELECT p.*, p.meetings / (na.lots + nb.lots - p.meetings) AS jaccard
FROM pairs p JOIN activity na ON na.bidder_id = p.a JOIN activity nb ON nb.bidder_id = p.b
WHERE p.meetings / (na.lots + nb.lots - p.meetings) >= $min_jaccard
