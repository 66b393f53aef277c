-- Site plans: a real plan of a phase, uploaded by staff (the public phase page shows it instead of the
-- membership schematic). Forward-only: new nullable / defaulted columns, no existing row changes.

-- Path under the uploads folder ('site-plans/<32 hex>.png'), chosen by the server after re-encoding the
-- upload; null: no plan uploaded.
alter table phase add column site_plan_path text;

-- Alternative text of the plan in each language; empty: the page writes "Site plan of <phase>".
alter table phase add column site_plan_alt_zh text not null default '';
alter table phase add column site_plan_alt_en text not null default '';
