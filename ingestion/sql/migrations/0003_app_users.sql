-- raw.app_users: the product's own users, optional. Loaded by ingestion/app_users.py from a CSV
-- file or a query against the app's database (idempotent upsert on user_id); read by dbt for the
-- cohort retention vs cost marts, which are simply empty while this table is.
create schema if not exists raw;

create table if not exists raw.app_users (
    user_id        text        primary key,
    signup_at      timestamptz not null,
    tier           text,
    last_active_at timestamptz,
    loaded_at      timestamptz not null default now()
);
