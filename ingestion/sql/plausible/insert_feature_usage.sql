-- One (day, feature) row of a load. The days were deleted first in the same transaction, so a
-- conflict can only come from a duplicate inside the batch, which the loader aggregates away.
insert into raw.feature_usage (day, feature, events, visitors, source, loaded_at)
values (%(day)s, %(feature)s, %(events)s, %(visitors)s, %(source)s, now())
