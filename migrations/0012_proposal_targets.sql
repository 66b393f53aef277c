-- An editor keeps more of their company than its profile (issue 14): the logo (a profile column, proposed like
-- the rest) and the company's own milestones and product launches. A proposal names what it changes:
-- `entity` 'companies' (the profile of `company_id`) or 'milestones' (one of that company's milestones,
-- `entity_id`, or a new one when it is null), and `action`: an edit, a new entry, or a deletion.
alter table proposal add column entity text not null default 'companies' check (entity in ('companies', 'milestones'));
alter table proposal add column entity_id integer;
alter table proposal add column action text not null default 'edit' check (action in ('edit', 'create', 'delete'));
create index proposal_by_target on proposal (entity, entity_id) where entity_id is not null;

-- A milestone deleted (by staff, or by an approved removal) closes what still waits for it: its id may be
-- given to the next new milestone, which an old proposal must never reach.
create trigger milestone_deleted_closes_proposals after delete on milestone begin
    update proposal set status = 'rejected', reason = '这条大事记已被删除。The milestone was deleted.',
                        decided_by = 'park-portal', decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     where entity = 'milestones' and entity_id = old.id and status = 'pending';
end;
