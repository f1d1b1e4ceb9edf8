-- Where a call's effective cost (cost_usd = coalesce(reported, computed)) comes from: what
-- Langfuse reported wins ('langfuse'); else the price table ('price_table'); else neither
-- ('unpriced': cost_usd stays NULL, never $0). One definition for the two places that set it: the
-- loader's merge (ingestion/sql/merge_llm_calls.sql) and `llmcosts reprice`
-- (ingestion/sql/price_calls.sql). A plain SQL function: Postgres inlines it.
create or replace function raw.cost_source(reported_cost_usd numeric, computed_cost_usd numeric)
returns text
language sql
immutable
as $$
    select case
        when reported_cost_usd is not null then 'langfuse'
        when computed_cost_usd is not null then 'price_table'
        else 'unpriced'
    end
$$;
