-- alerts.alert_log: the once-and-only-once ledger of alert delivery. One row per fired alert and
-- delivery channel, keyed by (rule, subject, as_of, channel). A row is inserted as 'pending' before
-- anything is posted, and only a confirmed post marks it 'delivered'; so a failed post is retried
-- by the next run (even one for a later as_of) and a re-run never posts a delivered row again.
-- The rendered message is kept so a later run can deliver a row its own rules no longer produce.
create schema if not exists alerts;

create table if not exists alerts.alert_log (
    -- key
    rule             text        not null,
    subject          text        not null,
    as_of            date        not null,
    channel          text        not null,
    -- what is said
    position         integer     not null default 0,
    message          text        not null,
    details          jsonb       not null default '[]'::jsonb,
    -- delivery state: 'failed' = the channel rejected the post outright (a 4xx other than 429);
    -- it is retried like 'pending', the status only tells the operator to look at the config.
    status           text        not null default 'pending',
    attempts         integer     not null default 0,
    last_error       text,
    -- timestamps
    first_fired_at   timestamptz not null default now(),
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    constraint alert_log_pkey primary key (rule, subject, as_of, channel),
    constraint alert_log_status_check check (status in ('pending', 'delivered', 'failed'))
);

-- covered_by: the subject (`rule/subject`) of the summary line that told about this row. A budget
-- crossed by 2,000 users posts one line, yet every member keeps its own row here, so the
-- once-only semantics per member and period hold; a covered row is delivered (and marked) with
-- its summary but never rendered on its own. NULL: the row is a line of the post itself.
alter table alerts.alert_log add column if not exists covered_by text;

create index if not exists alert_log_unsent_idx on alerts.alert_log (channel, as_of) where status <> 'delivered';
