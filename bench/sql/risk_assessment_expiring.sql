-- risk_assessment_expiring: risk_assessed_on + 365 within D…D+14, or before D while holding wealth or fund
SELECT c.customer_id, c.risk_assessed_on + 365 AS due_date
FROM customers c
WHERE c.opened_on <= {D} - 1 AND c.risk_assessed_on IS NOT NULL
  AND (c.risk_assessed_on + 365 BETWEEN {D} AND {D} + 14
       OR (c.risk_assessed_on + 365 < {D}
           AND EXISTS (SELECT 1 FROM holdings h JOIN products p ON p.product_id = h.product_id
                       WHERE h.customer_id = c.customer_id AND h.bought_on <= {D} - 1
                         AND p.category IN ('wealth', 'fund'))))
