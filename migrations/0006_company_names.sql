-- The admin's search fields look companies up by name (src/admin/picker.rs): exact names, and names or
-- slugs containing a term, in name order, stopping at 20 matches. This index covers those columns, so the
-- scan reads the index rather than every row with its descriptions, and runs in name order (the admin's
-- company list uses that order too). At 100,000 companies a common term is answered in milliseconds.
create index company_names on company (short_name_zh, short_name_en, legal_name_zh, legal_name_en, slug);
