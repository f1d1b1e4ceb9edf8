-- Upsert one app user (idempotent on user_id): a re-load of the same file changes nothing but
-- loaded_at, and a newer export updates tier and last_active_at in place.
insert into raw.app_users (user_id, signup_at, tier, last_active_at, loaded_at)
values (%(user_id)s, %(signup_at)s, %(tier)s, %(last_active_at)s, now())
on conflict (user_id) do update
set signup_at      = excluded.signup_at,
    tier           = excluded.tier,
    last_active_at = excluded.last_active_at,
    loaded_at      = excluded.loaded_at;
