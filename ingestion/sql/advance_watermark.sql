-- Move a source's watermark forward to %(window_end)s, but only when the window just committed
-- starts at or before the current watermark (no gap is ever skipped), and never backwards.
insert into raw.ingestion_watermarks as w (source_key, watermark, updated_at)
values (%(source_key)s, %(window_end)s, now())
on conflict (source_key) do update
    set watermark = greatest(w.watermark, excluded.watermark), updated_at = now()
    where %(window_start)s <= w.watermark;
