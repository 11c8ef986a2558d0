-- aum_drop: latest snapshot (as_of t) aum <= 0.70 x max aum over t-30…t-1, that max >= 50,000
WITH l AS (SELECT customer_id, max(as_of) AS t FROM balances WHERE as_of <= {D} - 1 GROUP BY customer_id),
x AS (
  SELECT b.customer_id, max(CASE WHEN b.as_of = l.t THEN b.aum END) AS cur,
         max(CASE WHEN b.as_of < l.t THEN b.aum END) AS mx
  FROM balances b JOIN l ON l.customer_id = b.customer_id AND b.as_of BETWEEN l.t - 30 AND l.t
  GROUP BY b.customer_id)
SELECT customer_id, cur, mx FROM x WHERE mx >= 50000 AND cur <= 0.70 * mx
