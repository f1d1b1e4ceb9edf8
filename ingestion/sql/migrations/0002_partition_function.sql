-- raw.ensure_llm_calls_partition(month): create the partition for the month containing `month`
-- (UTC), named llm_calls_yYYYYmMM, with half-open bounds [first of month, first of next month).
create or replace function raw.ensure_llm_calls_partition(month date)
returns text
language plpgsql
as $$
declare
    lower_bound timestamptz := (date_trunc('month', month)::date)::timestamp at time zone 'UTC';
    upper_bound timestamptz := ((date_trunc('month', month) + interval '1 month')::date)::timestamp at time zone 'UTC';
    partition_name text := format('llm_calls_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
begin
    -- Two loaders creating the same month at once would race on the DDL: serialise them.
    perform pg_advisory_xact_lock(hashtext('raw.llm_calls partitions'));
    if to_regclass(format('raw.%I', partition_name)) is null then
        execute format(
            'create table if not exists raw.%I partition of raw.llm_calls for values from (%L) to (%L)',
            partition_name, lower_bound, upper_bound
        );
    end if;
    return partition_name;
end;
$$;
