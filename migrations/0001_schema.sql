-- park-portal schema.
-- Conventions: singular table names; bilingual text as `_zh` / `_en` column pairs (an empty English value falls
-- back to Chinese on the page, with a note); money in whole yuan as integers; dates as ISO text whose length
-- carries the precision the source gives ('2020-05' is "May 2020", '2023-02-14' a day); every row editors touch
-- has `version` (optimistic locking) and `created_at` / `updated_at`.

-- Where facts come from. Every fact-bearing row points at one.
create table source (
    id           integer primary key,
    title_zh     text not null,
    title_en     text not null default '',
    publisher_zh text not null default '',
    publisher_en text not null default '',
    author_zh    text not null default '',
    author_en    text not null default '',
    -- when the source was written; facts "as of" this date
    published_on text check (published_on is null or published_on glob '[0-9][0-9][0-9][0-9]*'),
    url          text,
    note_zh      text not null default '',
    note_en      text not null default '',
    version      integer not null default 1,
    created_at   text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at   text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- The park itself: exactly one row.
create table park (
    id                    integer primary key check (id = 1),
    name_zh               text not null,
    name_en               text not null default '',
    alt_name_zh           text not null default '',
    alt_name_en           text not null default '',
    nickname_zh           text not null default '',
    nickname_en           text not null default '',
    location_zh           text not null default '',
    location_en           text not null default '',
    builders_zh           text not null default '',
    builders_en           text not null default '',
    aim_zh                text not null default '',
    aim_en                text not null default '',
    strategy_zh           text not null default '',
    strategy_en           text not null default '',
    ecosystem_zh          text not null default '',
    ecosystem_en          text not null default '',
    core_competence_zh    text not null default '',
    core_competence_en    text not null default '',
    industry_layout_zh    text not null default '',
    industry_layout_en    text not null default '',
    jobs_zh               text not null default '',
    jobs_en               text not null default '',
    outlook_zh            text not null default '',
    outlook_en            text not null default '',
    policy_context_zh     text not null default '',
    policy_context_en     text not null default '',
    history_zh            text not null default '',
    history_en            text not null default '',
    source_id             integer references source (id),
    version               integer not null default 1,
    created_at            text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at            text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Industry sectors of the park's layout; a company may sit in several.
create table sector (
    id             integer primary key,
    slug           text not null unique check (slug glob '[a-z0-9]*' and slug not glob '*[^a-z0-9-]*'),
    name_zh        text not null,
    name_en        text not null default '',
    description_zh text not null default '',
    description_en text not null default '',
    sort_order     integer not null default 0,
    version        integer not null default 1,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Construction phases. Dates and counts the source states are "as of" `as_of`.
create table phase (
    id                      integer primary key,
    number                  integer not null unique check (number > 0),
    name_zh                 text not null,
    name_en                 text not null default '',
    -- null: the source does not say
    status                  text check (status in ('planned', 'under_construction', 'delivered')),
    construction_started_on text,
    completed_on            text,
    expected_completion_on  text,
    tenant_count_stated     integer check (tenant_count_stated >= 0),
    as_of                   text,
    note_zh                 text not null default '',
    note_en                 text not null default '',
    source_id               integer references source (id),
    version                 integer not null default 1,
    created_at              text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at              text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Buildings (or groups of identical buildings: `building_count`). Phase null: the source does not say.
create table building (
    id             integer primary key,
    phase_id       integer references phase (id),
    name_zh        text not null,
    name_en        text not null default '',
    kind           text not null default 'other' check (kind in ('science_tech', 'incubation', 'other')),
    building_count integer not null default 1 check (building_count > 0),
    completed_on   text,
    note_zh        text not null default '',
    note_en        text not null default '',
    source_id      integer references source (id),
    version        integer not null default 1,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Official designations a company holds (national high-tech enterprise, ...).
create table designation (
    id             integer primary key,
    slug           text not null unique check (slug not glob '*[^a-z0-9-]*'),
    name_zh        text not null,
    name_en        text not null default '',
    description_zh text not null default '',
    description_en text not null default '',
    version        integer not null default 1,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

create table company (
    id               integer primary key,
    slug             text not null unique check (slug not glob '*[^a-z0-9-]*' and length(slug) between 1 and 80),
    -- full registered name, where the source gives it
    legal_name_zh    text not null default '',
    short_name_zh    text not null,
    legal_name_en    text not null default '',
    -- English short or brand name (only an official one, never a made-up translation)
    short_name_en    text not null default '',
    phase_id         integer references phase (id),
    building_id      integer references building (id),
    founded_year     integer check (founded_year between 1900 and 2100),
    ciomp_spinoff    integer not null default 0 check (ciomp_spinoff in (0, 1)),
    description_zh   text not null default '',
    description_en   text not null default '',
    -- one highlight per line
    highlights_zh    text not null default '',
    highlights_en    text not null default '',
    website          text,
    logo_path        text,
    status           text not null default 'active' check (status in ('active', 'moved_out', 'closed')),
    source_id        integer references source (id),
    version          integer not null default 1,
    created_at       text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at       text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

create table company_sector (
    company_id integer not null references company (id) on delete cascade,
    sector_id  integer not null references sector (id),
    primary key (company_id, sector_id)
);
create index company_sector_by_sector on company_sector (sector_id);

create table company_designation (
    company_id     integer not null references company (id) on delete cascade,
    designation_id integer not null references designation (id),
    primary key (company_id, designation_id)
);
create index company_designation_by_designation on company_designation (designation_id);

-- Dated events: construction began, buildings handed over, product launches, status changes.
create table milestone (
    id             integer primary key,
    occurred_on    text not null check (occurred_on glob '[0-9][0-9][0-9][0-9]*'),
    kind           text not null check (kind in ('construction_started', 'handover', 'product_launch', 'tenants', 'other')),
    phase_id       integer references phase (id),
    building_id    integer references building (id),
    company_id     integer references company (id),
    -- for product launches: the product's name as the company writes it (searchable)
    product_name   text not null default '',
    title_zh       text not null,
    title_en       text not null default '',
    description_zh text not null default '',
    description_en text not null default '',
    source_id      integer references source (id),
    version        integer not null default 1,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index milestone_by_company on milestone (company_id);
create index milestone_by_phase on milestone (phase_id);

-- Competitions whose prizes park companies won.
create table competition (
    id           integer primary key,
    slug         text not null unique check (slug not glob '*[^a-z0-9-]*'),
    name_zh      text not null,
    name_en      text not null default '',
    version      integer not null default 1,
    created_at   text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at   text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

create table award (
    id                    integer primary key,
    company_id            integer not null references company (id),
    competition_id        integer not null references competition (id),
    -- "10th": the edition number, where stated
    edition               integer check (edition > 0),
    division_zh           text not null default '',
    division_en           text not null default '',
    organiser_zh          text not null default '',
    organiser_en          text not null default '',
    group_zh              text not null default '',
    group_en              text not null default '',
    rank_zh               text not null,
    rank_en               text not null default '',
    year                  integer check (year between 1900 and 2100),
    prize_money_yuan      integer check (prize_money_yuan >= 0),
    project_support_yuan  integer check (project_support_yuan >= 0),
    source_id             integer references source (id),
    version               integer not null default 1,
    created_at            text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at            text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index award_by_company on award (company_id);
create index award_by_competition on award (competition_id);

-- Full-text index over companies, kept by the application (it computes pinyin, which SQL cannot).
-- One lower-cased document per company: names, pinyin spellings, product names, descriptions, highlights.
-- trigram: substring matching for Chinese and Latin terms of three or more characters.
create virtual table company_search using fts5 (
    doc,
    tokenize = 'trigram'
);
-- rowid = company.id; `doc_hash` is a hash of the text last indexed, so start-up re-indexes only what changed.
create table company_search_state (
    company_id integer primary key references company (id) on delete cascade,
    doc_hash   text not null
);
