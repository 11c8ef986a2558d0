-- large_outflow: O = |debits| booked on D-1; O >= 50,000, or O >= 30% of aum of the latest snapshot with as_of < D-1
WITH o AS (
  SELECT customer_id, -sum(amount) AS o FROM transactions
  WHERE amount < 0 AND booked_at_day = {D} - 1 GROUP BY customer_id),
b AS (
  SELECT customer_id, aum FROM (
    SELECT customer_id, aum, row_number() OVER (PARTITION BY customer_id ORDER BY as_of DESC) AS rn
    FROM balances WHERE as_of <= {D} - 2 AND customer_id IN (SELECT customer_id FROM o)) x
  WHERE rn = 1)
SELECT o.customer_id, o.o FROM o LEFT JOIN b ON b.customer_id = o.customer_id
WHERE o.o >= 50000 OR (b.aum > 0 AND o.o >= 0.3 * b.aum)
