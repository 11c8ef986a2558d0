-- maturity: a holding's matures_on is within D…D+7
SELECT h.customer_id, h.holding_id, h.matures_on AS due_date
FROM holdings h
WHERE h.bought_on <= {D} - 1 AND h.matures_on BETWEEN {D} AND {D} + 7
