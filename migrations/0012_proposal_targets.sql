-- An editor keeps more of their company than its profile (issue 14): the logo (a profile column, proposed like
-- the rest) and the company's own milestones and product launches. A proposal names what it changes:
-- `entity` 'companies' (the profile of `company_id`) or 'milestones' (one of that company's milestones,
-- `entity_id`, or a new one when it is null), and `action`: an edit, a new entry, or a deletion.
alter table proposal add column entity text not null default 'companies' check (entity in ('companies', 'milestones'));
alter table proposal add column entity_id integer;
alter table proposal add column action text not null default 'edit' check (action in ('edit', 'create', 'delete'));
create index proposal_by_target on proposal (entity, entity_id) where entity_id is not null;
