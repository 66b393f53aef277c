//! What can be edited and by whom: accounts, invitations, proposals, and the generic editing of every entry
//! with versions and history.

pub mod accounts;
pub mod applications;
pub mod csv;
pub mod freshness;
pub mod invitations;
pub mod picker;
pub mod proposals;
pub mod record;
pub mod rules;
pub mod spec;

/// The largest file staff may upload, from the admin or the command line: a logo, a site plan, a CSV file.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
