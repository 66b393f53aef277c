-- How to reach the park office, edited by staff on the park text. Empty until staff enter it: the source
-- article states no office, phone number or email address, and the site says "not stated" until then.
alter table park add column contact_office_zh text not null default '';
alter table park add column contact_office_en text not null default '';
alter table park add column contact_phone text not null default '';
alter table park add column contact_email text not null default '';
