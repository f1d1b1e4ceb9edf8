-- Repair: the binary-COPY loader stored metadata double-encoded, as a JSON string holding the
-- object's text, so `metadata ->> 'tenant'` (budgets by tenant and cost centre) found nothing.
-- The mapping always stores an object (a non-object metadata is wrapped as {"value": ...}), so a
-- string here can only be that defect: decode it back to the object it holds.
update raw.llm_calls
set metadata = (metadata #>> '{}')::jsonb
where jsonb_typeof(metadata) = 'string'
  and left(metadata #>> '{}', 1) = '{';
