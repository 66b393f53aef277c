-- The change log: one row per changed public row, appended by triggers in the same transaction as the change,
-- whoever makes it (a form, an import, the command line, a second server, SQL typed by hand). Ids grow with
-- commit order (SQLite lets one writer in at a time; AUTOINCREMENT never reuses an id), so a follower that
-- applies rows past the last id it applied sees every change, in order. The catalog of each serving process
-- follows it (src/catalog/follow.rs). Old rows are pruned; a follower that finds a gap reloads in full.
create table change_log (
    id        integer primary key autoincrement,
    -- the table that changed; link rows are logged as their company ('company'), revisions as 'revision'
    entity    text not null,
    entity_id integer not null
);


-- source
create trigger source_logged_insert after insert on source begin
    insert into change_log (entity, entity_id) values ('source', new.id);
end;
create trigger source_logged_update after update on source begin
    insert into change_log (entity, entity_id) values ('source', new.id);
    insert into change_log (entity, entity_id) select 'source', old.id where old.id is not new.id;
end;
create trigger source_logged_delete after delete on source begin
    insert into change_log (entity, entity_id) values ('source', old.id);
end;

-- park
create trigger park_logged_insert after insert on park begin
    insert into change_log (entity, entity_id) values ('park', new.id);
end;
create trigger park_logged_update after update on park begin
    insert into change_log (entity, entity_id) values ('park', new.id);
    insert into change_log (entity, entity_id) select 'park', old.id where old.id is not new.id;
end;
create trigger park_logged_delete after delete on park begin
    insert into change_log (entity, entity_id) values ('park', old.id);
end;

-- sector
create trigger sector_logged_insert after insert on sector begin
    insert into change_log (entity, entity_id) values ('sector', new.id);
end;
create trigger sector_logged_update after update on sector begin
    insert into change_log (entity, entity_id) values ('sector', new.id);
    insert into change_log (entity, entity_id) select 'sector', old.id where old.id is not new.id;
end;
create trigger sector_logged_delete after delete on sector begin
    insert into change_log (entity, entity_id) values ('sector', old.id);
end;

-- phase
create trigger phase_logged_insert after insert on phase begin
    insert into change_log (entity, entity_id) values ('phase', new.id);
end;
create trigger phase_logged_update after update on phase begin
    insert into change_log (entity, entity_id) values ('phase', new.id);
    insert into change_log (entity, entity_id) select 'phase', old.id where old.id is not new.id;
end;
create trigger phase_logged_delete after delete on phase begin
    insert into change_log (entity, entity_id) values ('phase', old.id);
end;

-- building
create trigger building_logged_insert after insert on building begin
    insert into change_log (entity, entity_id) values ('building', new.id);
end;
create trigger building_logged_update after update on building begin
    insert into change_log (entity, entity_id) values ('building', new.id);
    insert into change_log (entity, entity_id) select 'building', old.id where old.id is not new.id;
end;
create trigger building_logged_delete after delete on building begin
    insert into change_log (entity, entity_id) values ('building', old.id);
end;

-- designation
create trigger designation_logged_insert after insert on designation begin
    insert into change_log (entity, entity_id) values ('designation', new.id);
end;
create trigger designation_logged_update after update on designation begin
    insert into change_log (entity, entity_id) values ('designation', new.id);
    insert into change_log (entity, entity_id) select 'designation', old.id where old.id is not new.id;
end;
create trigger designation_logged_delete after delete on designation begin
    insert into change_log (entity, entity_id) values ('designation', old.id);
end;

-- company
create trigger company_logged_insert after insert on company begin
    insert into change_log (entity, entity_id) values ('company', new.id);
end;
create trigger company_logged_update after update on company begin
    insert into change_log (entity, entity_id) values ('company', new.id);
    insert into change_log (entity, entity_id) select 'company', old.id where old.id is not new.id;
end;
create trigger company_logged_delete after delete on company begin
    insert into change_log (entity, entity_id) values ('company', old.id);
end;

-- milestone
create trigger milestone_logged_insert after insert on milestone begin
    insert into change_log (entity, entity_id) values ('milestone', new.id);
end;
create trigger milestone_logged_update after update on milestone begin
    insert into change_log (entity, entity_id) values ('milestone', new.id);
    insert into change_log (entity, entity_id) select 'milestone', old.id where old.id is not new.id;
end;
create trigger milestone_logged_delete after delete on milestone begin
    insert into change_log (entity, entity_id) values ('milestone', old.id);
end;

-- competition
create trigger competition_logged_insert after insert on competition begin
    insert into change_log (entity, entity_id) values ('competition', new.id);
end;
create trigger competition_logged_update after update on competition begin
    insert into change_log (entity, entity_id) values ('competition', new.id);
    insert into change_log (entity, entity_id) select 'competition', old.id where old.id is not new.id;
end;
create trigger competition_logged_delete after delete on competition begin
    insert into change_log (entity, entity_id) values ('competition', old.id);
end;

-- award
create trigger award_logged_insert after insert on award begin
    insert into change_log (entity, entity_id) values ('award', new.id);
end;
create trigger award_logged_update after update on award begin
    insert into change_log (entity, entity_id) values ('award', new.id);
    insert into change_log (entity, entity_id) select 'award', old.id where old.id is not new.id;
end;
create trigger award_logged_delete after delete on award begin
    insert into change_log (entity, entity_id) values ('award', old.id);
end;

-- links: the company they belong to changed
create trigger company_sector_logged_insert after insert on company_sector begin
    insert into change_log (entity, entity_id) values ('company', new.company_id);
end;
create trigger company_sector_logged_update after update on company_sector begin
    insert into change_log (entity, entity_id) values ('company', new.company_id);
    insert into change_log (entity, entity_id) select 'company', old.company_id where old.company_id is not new.company_id;
end;
create trigger company_sector_logged_delete after delete on company_sector begin
    insert into change_log (entity, entity_id) values ('company', old.company_id);
end;

create trigger company_designation_logged_insert after insert on company_designation begin
    insert into change_log (entity, entity_id) values ('company', new.company_id);
end;
create trigger company_designation_logged_update after update on company_designation begin
    insert into change_log (entity, entity_id) values ('company', new.company_id);
    insert into change_log (entity, entity_id) select 'company', old.company_id where old.company_id is not new.company_id;
end;
create trigger company_designation_logged_delete after delete on company_designation begin
    insert into change_log (entity, entity_id) values ('company', old.company_id);
end;

-- revisions date their entry ("last changed"); only inserts matter, a revision is never edited
create trigger revision_logged_insert after insert on revision begin
    insert into change_log (entity, entity_id) values ('revision', new.id);
end;

-- The change the full-text index (company_search) was last brought up to (-1: never): a server that starts
-- with the index already there skips the full pass.
create table search_synced (
    id      integer primary key check (id = 1),
    through integer not null
);
insert into search_synced (id, through) values (1, -1);
