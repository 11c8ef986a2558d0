-- relative_birthday: the same, for any row of relatives of the customer
WITH days AS (SELECT {D} + i AS d FROM (VALUES (0), (1), (2)) AS v(i))
SELECT r.customer_id, r.name, days.d AS due_date
FROM relatives r
JOIN customers c ON c.customer_id = r.customer_id AND c.opened_on <= {D} - 1
JOIN days ON extract(month FROM days.d) = extract(month FROM r.birth_date)
 AND extract(day FROM days.d) = CASE
       WHEN extract(month FROM r.birth_date) = 2 AND extract(day FROM r.birth_date) = 29
        AND NOT (CAST(extract(year FROM days.d) AS INTEGER) % 4 = 0
                 AND (CAST(extract(year FROM days.d) AS INTEGER) % 100 <> 0
                      OR CAST(extract(year FROM days.d) AS INTEGER) % 400 = 0))
       THEN 28 ELSE extract(day FROM r.birth_date) END
