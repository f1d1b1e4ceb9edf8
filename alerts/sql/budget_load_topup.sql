-- One prepaid credit top-up declared in the budgets file.
insert into raw.budget_credit_topups (pool_scope, pool_member, topped_up_at, amount_usd, note, source)
values (%(scope)s, %(member)s, %(at)s, %(amount_usd)s, %(note)s, 'file')
on conflict (pool_scope, pool_member, topped_up_at) do update
set amount_usd = excluded.amount_usd, note = excluded.note, source = excluded.source
