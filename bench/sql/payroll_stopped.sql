-- payroll_stopped: >= 3 payroll credits in D-120…D-36 and none in D-35…D-1
SELECT customer_id FROM transactions
WHERE kind = 'payroll' AND amount > 0 AND booked_at_day BETWEEN {D} - 120 AND {D} - 1
GROUP BY customer_id
HAVING sum(CASE WHEN booked_at_day <= {D} - 36 THEN 1 ELSE 0 END) >= 3
   AND sum(CASE WHEN booked_at_day >= {D} - 35 THEN 1 ELSE 0 END) = 0
