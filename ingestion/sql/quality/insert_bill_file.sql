-- Register a bill file by the sha256 of its content. Returns nothing when that content was already
-- loaded (under any name): the caller then skips the file, so a bill is counted once.
insert into raw.provider_bill_files (content_sha256, file_name, format, lines_loaded, lines_rejected)
values (%(content_sha256)s, %(file_name)s, %(format)s, %(lines_loaded)s, %(lines_rejected)s)
on conflict (content_sha256) do nothing
returning content_sha256
