-- no_recent_contact: tier(avg30(D-1)) >= 金卡 and no contact with its day in D-90…D-1
WITH a AS (
  SELECT customer_id, avg(aum) AS a1 FROM balances
  WHERE as_of BETWEEN {D} - 30 AND {D} - 1 GROUP BY customer_id)
SELECT a.customer_id, a.a1 FROM a
JOIN customers c ON c.customer_id = a.customer_id AND c.opened_on <= {D} - 1
WHERE a.a1 >= 50000
  AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = a.customer_id
                  AND k.at_day BETWEEN {D} - 90 AND {D} - 1)
