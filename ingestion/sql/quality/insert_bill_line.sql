insert into raw.provider_bills (
    content_sha256, line_number, day, provider, model, line_item, cost_type, project_id,
    cost_usd, input_tokens, output_tokens, currency
)
values (
    %(content_sha256)s, %(line_number)s, %(day)s, %(provider)s, %(model)s, %(line_item)s, %(cost_type)s,
    %(project_id)s, %(cost_usd)s, %(input_tokens)s, %(output_tokens)s, %(currency)s
)
