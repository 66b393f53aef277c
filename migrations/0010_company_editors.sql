-- Company editors (issue 14): an account is park staff (edits everything) or the editor of one company (proposes
-- changes to it, which staff approve). Invitations make editors; proposals wait in the review queue.

alter table admin_user add column role text not null default 'staff' check (role in ('staff', 'editor'));
-- the company an editor keeps; null for staff. Deleting the company ends its editors' accounts.
alter table admin_user add column company_id integer references company (id) on delete cascade;
-- where an editor is written to (invitations, decisions); staff may leave it empty
alter table admin_user add column email text not null default '';
-- the language the account reads mail in
alter table admin_user add column lang text not null default 'zh' check (lang in ('zh', 'en'));
create index admin_user_by_company on admin_user (company_id);

-- A one-time link that lets someone become the editor of a company. Only a hash of its token is kept here,
-- and the request log leaves it out; the link itself is in the invitation's mail (queued, then sent or in the
-- outbox folder), like any mail it is as safe as the mailbox.
create table invitation (
    id          integer primary key,
    -- SHA-256 of the token, hex
    token_hash  text not null unique,
    company_id  integer not null references company (id) on delete cascade,
    email       text not null,
    lang        text not null default 'zh' check (lang in ('zh', 'en')),
    invited_by  text not null,
    created_at  text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at  text not null,
    -- set once, when the invitee made their account with it
    used_at     text,
    used_by     integer references admin_user (id) on delete set null,
    revoked_at  text,
    revoked_by  text
);
create index invitation_by_company on invitation (company_id, id);

-- A change to a company's profile that waits for staff: from its editor ('edit') or from a visitor
-- ('suggestion': one field, without an account). `before_json` is what the proposer saw (the stored values at `base_version`), `after_json`
-- what they propose, both keyed by column like revisions.
create table proposal (
    id           integer primary key,
    company_id   integer not null references company (id) on delete cascade,
    kind         text not null default 'edit' check (kind in ('edit', 'suggestion')),
    -- the editor's account; null for a visitor or an account since removed
    account_id   integer references admin_user (id) on delete set null,
    proposer     text not null,
    base_version integer not null,
    before_json  text not null,
    after_json   text not null,
    note         text not null default '',
    -- a suggestion's source link, the email to ask back (never public; erased after 90 days with the address
    -- it came from, which only the per-address limit reads)
    source_url   text not null default '',
    contact_email text,
    client_address text,
    status       text not null default 'pending'
                 check (status in ('pending', 'approved', 'partly_approved', 'rejected', 'withdrawn')),
    -- why staff rejected it (or left fields out), shown to the proposer
    reason       text not null default '',
    decided_by   text,
    decided_at   text,
    created_at   text not null default (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
create index proposal_pending on proposal (status, id);
create index proposal_by_company on proposal (company_id, id);
create index proposal_by_address on proposal (client_address, created_at) where client_address is not null;

-- A revision that applied a proposal names it, so history shows who proposed as well as who approved.
alter table revision add column proposal_id integer references proposal (id) on delete set null;
