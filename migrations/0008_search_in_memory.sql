-- Search moved into the catalog (an in-memory index of every company's text, src/catalog/search.rs): the
-- FTS5 table, its digests and its sync mark are no longer read or written.
drop table if exists company_search;
drop table if exists company_search_state;
drop table if exists search_synced;
