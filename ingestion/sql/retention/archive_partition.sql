-- A detached month becomes a plain table in the archive schema: out of every query on
-- raw.llm_calls, still there for an audit or a re-attach.
create schema if not exists archive;
alter table raw.{partition} set schema archive;
