-- News and announcements (issue 15): posts staff write in both languages, drafts until published, public from
-- their publication time (Beijing time, as staff type it: `YYYY-MM-DD HH:MM` or with seconds). The source
-- article is not a post: the seeded park has none.
create table post (
    id             integer primary key,
    slug           text not null unique check (slug not glob '*[^a-z0-9-]*'),
    kind           text not null default 'news' check (kind in ('news', 'announcement')),
    status         text not null default 'draft' check (status in ('draft', 'published')),
    -- Beijing time (UTC+8, no daylight saving): when a published post appears
    publish_at     text not null,
    -- the newest public post marked pinned leads the lists (a draft or a scheduled one waits its turn)
    pinned         integer not null default 0 check (pinned in (0, 1)),
    title_zh       text not null,
    title_en       text not null default '',
    summary_zh     text not null default '',
    summary_en     text not null default '',
    -- Markdown, rendered through the sanitiser
    body_zh        text not null default '',
    body_en        text not null default '',
    -- set by an upload (`news/<hex>.png`), described in both languages
    image_path     text,
    image_alt_zh   text not null default '',
    image_alt_en   text not null default '',
    version        integer not null default 1,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index post_by_time on post (publish_at);

-- What a post is about: the phases and buildings it names (companies are linked from its text).
create table post_phase (
    post_id  integer not null references post (id) on delete cascade,
    phase_id integer not null references phase (id),
    primary key (post_id, phase_id)
);
create index post_phase_by_phase on post_phase (phase_id);
create table post_building (
    post_id     integer not null references post (id) on delete cascade,
    building_id integer not null references building (id),
    primary key (post_id, building_id)
);
create index post_building_by_building on post_building (building_id);

-- logged like every public row (migration 0005); link rows as their post
create trigger post_logged_insert after insert on post begin
    insert into change_log (entity, entity_id) values ('post', new.id);
end;
create trigger post_logged_update after update on post begin
    insert into change_log (entity, entity_id) values ('post', new.id);
    insert into change_log (entity, entity_id) select 'post', old.id where old.id is not new.id;
end;
create trigger post_logged_delete after delete on post begin
    insert into change_log (entity, entity_id) values ('post', old.id);
end;
create trigger post_phase_logged_insert after insert on post_phase begin
    insert into change_log (entity, entity_id) values ('post', new.post_id);
end;
create trigger post_phase_logged_delete after delete on post_phase begin
    insert into change_log (entity, entity_id) values ('post', old.post_id);
end;
create trigger post_building_logged_insert after insert on post_building begin
    insert into change_log (entity, entity_id) values ('post', new.post_id);
end;
create trigger post_building_logged_delete after delete on post_building begin
    insert into change_log (entity, entity_id) values ('post', old.post_id);
end;
