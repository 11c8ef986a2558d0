-- market_shock: SSE_COMPOSITE's last two closes <= D-1 differ by >= 3%: every customer holding a fund rated R3+
WITH m AS (
  SELECT close, row_number() OVER (ORDER BY as_of DESC) AS rn
  FROM market WHERE symbol = 'SSE_COMPOSITE' AND as_of <= {D} - 1),
s AS (
  SELECT max(CASE WHEN rn = 1 THEN close END) AS last, max(CASE WHEN rn = 2 THEN close END) AS prev
  FROM m WHERE rn <= 2)
SELECT DISTINCT h.customer_id
FROM holdings h
JOIN products p ON p.product_id = h.product_id AND p.category = 'fund' AND p.risk_rating IN ('R3', 'R4', 'R5')
JOIN customers c ON c.customer_id = h.customer_id AND c.opened_on <= {D} - 1
CROSS JOIN s
WHERE h.bought_on <= {D} - 1 AND s.prev IS NOT NULL AND abs(s.last / s.prev - 1) >= 0.03
