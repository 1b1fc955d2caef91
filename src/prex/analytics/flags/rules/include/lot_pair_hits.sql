-- One hit per lot from ``pairs`` (include/lot_value_pairs.sql): the value is the number of
-- bidders involved; the detail names them and, per pair, the fields and values shared.
SELECT 'Lot' AS grp, lot_id AS id, lot_id, tender_id,
       len(list_distinct(flatten(list([a, b])))) AS value,
       to_json({
           'bidders': list_sort(list_distinct(flatten(list([a, b])))),
           'pairs': list({'bidders': [a, b], 'fields': fields, 'shared': shared} ORDER BY a, b)
       })::VARCHAR AS detail
FROM pairs
GROUP BY lot_id, tender_id
ORDER BY lot_id
