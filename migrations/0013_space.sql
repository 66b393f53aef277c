-- Space (issue 15): the units a building is divided into, and which are free. The source names the buildings and
-- when they were handed over, but no units, floors or areas: the seeded park has none, and staff add them.
create table unit (
    id             integer primary key,
    building_id    integer not null references building (id),
    name_zh        text not null,
    name_en        text not null default '',
    -- as the building signs it: '3', 'B1', '5-6'
    floor          text not null default '',
    -- whole square metres
    area_m2        integer not null check (area_m2 > 0),
    kind           text not null
                   check (kind in ('office', 'laboratory', 'clean_room', 'production', 'incubator_desk')),
    status         text not null default 'available' check (status in ('available', 'reserved', 'let')),
    -- for an available unit: from when (YYYY, YYYY-MM or YYYY-MM-DD); empty means now
    available_from text,
    note_zh        text not null default '',
    note_en        text not null default '',
    version        integer not null default 1,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index unit_by_building on unit (building_id);

-- unit: logged like every public row (migration 0005), so each server's catalog follows it
create trigger unit_logged_insert after insert on unit begin
    insert into change_log (entity, entity_id) values ('unit', new.id);
end;
create trigger unit_logged_update after update on unit begin
    insert into change_log (entity, entity_id) values ('unit', new.id);
    insert into change_log (entity, entity_id) select 'unit', old.id where old.id is not new.id;
end;
create trigger unit_logged_delete after delete on unit begin
    insert into change_log (entity, entity_id) values ('unit', old.id);
end;
