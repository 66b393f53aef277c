-- Entry applications and inquiries (入驻申请, issue 15): what a prospective tenant sends from the public form,
-- and the staff's handling of it. Personal data (the contact's name, phone, email, the message, the staff's notes)
-- is blanked after the keeping time (`--application-retention-days`, default 180): the company name, sector and
-- space wanted stay for the figures. The address it came from is kept a day, for the per-address limit only.
-- Staff delete an application and its log outright when the applicant asks.
create table application (
    id             integer primary key,
    -- what the applicant quotes: `RZ-YYYYMMDD-` and six characters that cannot be guessed or counted
    reference      text not null unique,
    company_name   text not null,
    contact_name   text not null,
    phone          text not null,
    email          text not null,
    sector_id      integer references sector (id) on delete set null,
    -- the space wanted: a unit kind, an area in whole m², from when (YYYY-MM or YYYY-MM-DD); all optional
    space_kind     text check (space_kind in ('office', 'laboratory', 'clean_room', 'production', 'incubator_desk')),
    area_m2        integer check (area_m2 > 0),
    wanted_from    text,
    -- the unit the applicant came from, if any
    unit_id        integer references unit (id) on delete set null,
    message        text not null default '',
    -- the language the form was sent in: the language to answer in
    lang           text not null default 'zh' check (lang in ('zh', 'en')),
    status         text not null default 'new'
                   check (status in ('new', 'contacted', 'visit_arranged', 'signed', 'declined')),
    assigned_to    integer references admin_user (id) on delete set null,
    -- only the per-address limit reads it; blanked after a day
    client_address text,
    anonymised_at  text,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index application_by_status on application (status, id);
create index application_by_address on application (client_address, created_at) where client_address is not null;

-- What happened to an application, by whom and when: notes staff write, and status and assignment changes.
create table application_note (
    id             integer primary key,
    application_id integer not null references application (id) on delete cascade,
    author         text not null,
    -- a note staff wrote (0), or the line a status change or an assignment wrote (1): anonymising blanks notes
    automatic      integer not null default 0 check (automatic in (0, 1)),
    body           text not null,
    created_at     text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index application_note_by_application on application_note (application_id, id);
