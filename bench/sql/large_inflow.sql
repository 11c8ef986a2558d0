-- large_inflow: C = credits booked on D-1; C >= 50,000, or (C >= 10,000 and C >= 5 x M), M = credits of D-91…D-2 / 90
WITH c AS (
  SELECT customer_id,
         sum(CASE WHEN booked_at_day = {D} - 1 THEN amount ELSE 0 END) AS c_day,
         sum(CASE WHEN booked_at_day <= {D} - 2 THEN amount ELSE 0 END) AS c_hist
  FROM transactions
  WHERE amount > 0 AND kind <> 'interest' AND booked_at_day BETWEEN {D} - 91 AND {D} - 1
  GROUP BY customer_id)
SELECT customer_id, c_day FROM c
WHERE c_day >= 50000 OR (c_day >= 10000 AND c_day * 90 >= 5 * c_hist)
