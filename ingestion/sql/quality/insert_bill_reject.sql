insert into raw.provider_bill_rejects (content_sha256, file_name, line_number, reason, raw)
values (%(content_sha256)s, %(file_name)s, %(line_number)s, %(reason)s, %(raw)s)
