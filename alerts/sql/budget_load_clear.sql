-- Part of the atomic replace of the declared budgets (alerts/budgets/loader.py): inside one
-- transaction, clear what the previous load wrote, then insert the new set. Top-ups written by an
-- application (source <> 'file') are kept.
delete from raw.budgets;
delete from raw.budget_settings;
delete from raw.budget_credit_topups where source = 'file';
