-- fund_move: a fund holding whose latest nav <= 0.90 x or >= 1.15 x cost_nav, or |n4 / n0 - 1| >= 5% over the last five navs
WITH n AS (
  SELECT product_id, nav, row_number() OVER (PARTITION BY product_id ORDER BY as_of DESC) AS rn
  FROM nav WHERE as_of <= {D} - 1),
p AS (
  SELECT product_id, max(CASE WHEN rn = 1 THEN nav END) AS latest, max(CASE WHEN rn = 5 THEN nav END) AS n0,
         count(*) AS k
  FROM n WHERE rn <= 5 GROUP BY product_id)
SELECT h.customer_id, h.holding_id
FROM holdings h
JOIN products pr ON pr.product_id = h.product_id AND pr.category = 'fund'
JOIN p ON p.product_id = h.product_id
WHERE h.bought_on <= {D} - 1
  AND ((h.cost_nav IS NOT NULL AND (p.latest <= 0.90 * h.cost_nav OR p.latest >= 1.15 * h.cost_nav))
       OR (p.k = 5 AND abs(p.latest / p.n0 - 1) >= 0.05))
