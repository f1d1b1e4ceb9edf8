-- Every partition of raw.llm_calls with its half-open [lower, upper) bounds, oldest first.
select
    c.relname as partition_name,
    (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz as lower_bound,
    (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz as upper_bound
from pg_inherits as i
join pg_class as c on c.oid = i.inhrelid
where i.inhparent = 'raw.llm_calls'::regclass
order by lower_bound;
