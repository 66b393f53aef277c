//! Park staff: accounts, and the generic editing of every entry with versions and history.

pub mod accounts;
pub mod csv;
pub mod picker;
pub mod record;
pub mod spec;
