-- new_customer: opened_on within D-7…D-1 and tier(latest snapshot aum) >= 金卡 (50,000)
WITH l AS (
  SELECT customer_id, aum FROM (
    SELECT customer_id, aum, row_number() OVER (PARTITION BY customer_id ORDER BY as_of DESC) AS rn
    FROM balances WHERE as_of <= {D} - 1) x
  WHERE rn = 1)
SELECT c.customer_id, l.aum FROM customers c JOIN l ON l.customer_id = c.customer_id
WHERE c.opened_on BETWEEN {D} - 7 AND {D} - 1 AND l.aum >= 50000
