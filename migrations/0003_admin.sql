-- Park staff accounts, sign-in attempts (for throttling and the audit log) and the revision history.
-- Sessions live in tower-sessions' own table, which its store creates.

create table admin_user (
    id            integer primary key,
    username      text not null unique check (length(username) between 1 and 64),
    -- argon2id PHC string
    password_hash text not null,
    created_at    text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at    text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Every sign-in try, successful or not; failures in the last 15 minutes throttle an account or address.
create table login_attempt (
    id           integer primary key,
    username     text not null,
    address      text not null,
    succeeded    integer not null check (succeeded in (0, 1)),
    attempted_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index login_attempt_by_username on login_attempt (username, attempted_at);
create index login_attempt_by_address on login_attempt (address, attempted_at);

-- One row per create, update, delete, revert or restore of an edited entry: who, when, the values before
-- and after (JSON objects keyed by column; null before a create and after a delete).
create table revision (
    id          integer primary key,
    entity      text not null,
    entity_id   integer not null,
    action      text not null check (action in ('create', 'update', 'delete', 'revert', 'restore')),
    username    text not null,
    created_at  text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    before_json text,
    after_json  text
);
create index revision_by_entry on revision (entity, entity_id, id);
