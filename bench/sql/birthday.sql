-- birthday: the customer's birthday (month, day) falls on D, D+1 or D+2; 29 Feb counts as 28 Feb in non-leap years
WITH days AS (SELECT {D} + i AS d FROM (VALUES (0), (1), (2)) AS v(i))
SELECT c.customer_id, days.d AS due_date
FROM customers c
JOIN days ON extract(month FROM days.d) = extract(month FROM c.birth_date)
 AND extract(day FROM days.d) = CASE
       WHEN extract(month FROM c.birth_date) = 2 AND extract(day FROM c.birth_date) = 29
        AND NOT (CAST(extract(year FROM days.d) AS INTEGER) % 4 = 0
                 AND (CAST(extract(year FROM days.d) AS INTEGER) % 100 <> 0
                      OR CAST(extract(year FROM days.d) AS INTEGER) % 400 = 0))
       THEN 28 ELSE extract(day FROM c.birth_date) END
WHERE c.opened_on <= {D} - 1
