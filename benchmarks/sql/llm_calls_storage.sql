-- Sizes of raw.llm_calls and its month partitions as loaded: rows (exact count), heap (table and
-- TOAST) bytes and index bytes per partition, and the bytes of each of the parent's indexes summed
-- over the partitions' copies of it. What docs/scaling.md's ceilings are computed from.
with partitions as (
    select child.oid, child.relname
    from pg_inherits as i
    join pg_class as child on child.oid = i.inhrelid
    where i.inhparent = 'raw.llm_calls'::regclass
),
row_counts as (
    select tableoid as oid, count(*) as row_count
    from raw.llm_calls
    group by tableoid
)
select
    p.relname as partition_name,
    coalesce(c.row_count, 0) as row_count,
    pg_table_size(p.oid) as table_bytes,
    pg_indexes_size(p.oid) as index_bytes,
    (
        select coalesce(jsonb_object_agg(parent_index.relname, pg_relation_size(child_index.indexrelid)), '{}'::jsonb)
        from pg_index as child_index
        join pg_inherits as index_link on index_link.inhrelid = child_index.indexrelid
        join pg_class as parent_index on parent_index.oid = index_link.inhparent
        where child_index.indrelid = p.oid
    ) as index_bytes_by_parent_index
from partitions as p
left join row_counts as c on c.oid = p.oid
order by p.relname
