-- Bookkeeping for versioned migrations in ingestion/sql/migrations/: one row per applied file.
create schema if not exists raw;
create table if not exists raw.schema_migrations (
    version    text        primary key,
    checksum   text        not null,
    applied_at timestamptz not null default now()
);
