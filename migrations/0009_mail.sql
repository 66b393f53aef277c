-- Outgoing mail, queued in the same transaction as the change that causes it and sent by a background task
-- (src/mail): never from the request. Each message is already written in its recipient's language. A row
-- is waiting until sent_at (delivered) or failed_at (given up after its attempts) is set; a failed attempt
-- records its error and moves next_attempt_at later. Sent and given-up rows are pruned after 90 days.
create table mail_message (
    id              integer primary key,
    to_address      text not null check (length(to_address) between 3 and 254),
    lang            text not null check (lang in ('zh', 'en')),
    subject         text not null,
    text_body       text not null,
    -- the inside of <body>: the sender wraps it in a document with the message's language
    html_body       text not null,
    created_at      text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    attempts        integer not null default 0 check (attempts >= 0),
    -- when the sender may take it next; while an attempt runs, the end of that attempt's lease
    next_attempt_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    sent_at         text,
    failed_at       text,
    last_error      text,
    -- how it went out: 'smtp', or the name of the .eml file written to the outbox folder
    delivered_as    text,
    check (sent_at is null or failed_at is null)
);
-- The sender's question, "what is due?", reads only the waiting rows.
create index mail_message_due on mail_message (next_attempt_at, id) where sent_at is null and failed_at is null;
