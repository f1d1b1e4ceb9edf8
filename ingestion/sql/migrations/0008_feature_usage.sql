-- raw.feature_usage: product usage per feature and UTC day (or the Plausible site's day), the
-- denominator of cost per use. Loaded by ingestion/plausible/ from Plausible's Stats API (custom
-- events / goals mapped to features) or from a CSV file; `source` says which. A load replaces whole
-- days (delete + insert in one transaction), so re-loading a day never doubles it.
create schema if not exists raw;

create table if not exists raw.feature_usage (
    day       date        not null,
    feature   text        not null,
    events    bigint      not null check (events >= 0),
    visitors  bigint      not null check (visitors >= 0),
    source    text        not null check (source in ('plausible', 'csv')),
    loaded_at timestamptz not null default now(),
    primary key (day, feature)
);
