//! park-portal: the web portal and tenant directory of the Changchun Optoelectronic Information Industrial Park.
//!
//! SQLite is the source of truth; the public side renders from an in-memory [`catalog::Catalog`] that is
//! loaded at start and swapped atomically after every write.

// A function should fit on a screen (clippy.toml sets the limit); a longer one says why where it is allowed.
#![warn(clippy::too_many_lines)]

pub mod admin;
pub mod app;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod i18n;
pub mod mail;
pub mod markdown;
pub mod memory;
pub mod query;
pub mod synth;
pub mod web;

/// The migrations in `migrations/`, embedded in the binary; shared by the server and the tests.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();
