-- How fresh a company's profile is (issue 14): when its editor last confirmed it is current, and when staff
-- last asked them to. Its last change is in the revision table; a profile never changed dates from its source.
alter table company add column confirmed_at text;
alter table company add column confirmed_by text;
alter table company add column confirm_asked_at text;
