-- tier_up: tier(avg30(D-1)) > tier(avg30(D-2)), both with at least one snapshot
WITH a AS (
  SELECT customer_id,
         avg(CASE WHEN as_of BETWEEN {D} - 30 AND {D} - 1 THEN aum END) AS a1,
         avg(CASE WHEN as_of BETWEEN {D} - 31 AND {D} - 2 THEN aum END) AS a2
  FROM balances WHERE as_of BETWEEN {D} - 31 AND {D} - 1 GROUP BY customer_id),
t AS (
  SELECT customer_id,
         CASE WHEN a1 >= 10000000 THEN 4 WHEN a1 >= 5000000 THEN 3 WHEN a1 >= 500000 THEN 2
              WHEN a1 >= 50000 THEN 1 ELSE 0 END AS t1,
         CASE WHEN a2 >= 10000000 THEN 4 WHEN a2 >= 5000000 THEN 3 WHEN a2 >= 500000 THEN 2
              WHEN a2 >= 50000 THEN 1 ELSE 0 END AS t2
  FROM a WHERE a1 IS NOT NULL AND a2 IS NOT NULL)
SELECT customer_id, t1 FROM t WHERE t1 > t2
