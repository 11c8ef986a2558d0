-- idle_cash: latest snapshot current >= 50,000 and >= 50% of aum; no investment debit in D-30…D-1
WITH l AS (
  SELECT customer_id, current, aum FROM (
    SELECT customer_id, current, aum, row_number() OVER (PARTITION BY customer_id ORDER BY as_of DESC) AS rn
    FROM balances WHERE as_of <= {D} - 1) x
  WHERE rn = 1)
SELECT l.customer_id, l.current FROM l
WHERE l.current >= 50000 AND l.current >= 0.5 * l.aum
  AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = l.customer_id AND t.amount < 0
                  AND t.kind = 'investment' AND t.booked_at_day BETWEEN {D} - 30 AND {D} - 1)
