//! The command line: `park-portal [serve]` and its siblings.

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{DatabaseArgs, ServeArgs};

/// Web portal and tenant directory of the Changchun Optoelectronic Information Industrial Park
/// (长春光电信息产业园). With no command, `serve` runs with its defaults.
#[derive(Debug, Parser)]
#[command(name = "park-portal", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// How log lines are written to standard error: `text` for people, `json` (one object per line, with the
    /// request id) for log collectors. The level is set with RUST_LOG (default: info).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Cli {
    /// Installs the log subscriber. Request spans carry an id, method and path; never headers, so never a
    /// cookie or session id, and no form body is ever logged.
    pub fn init_logging(&self) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
        match self.log_format {
            LogFormat::Text => builder.init(),
            // the whole span list: inner spans (from the session layer) would otherwise hide the request span
            LogFormat::Json => builder.json().with_current_span(false).with_span_list(true).init(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal over HTTP (the default command)
    Serve(ServeArgs),
    /// Create the database if missing and apply pending migrations, then exit
    Migrate(DatabaseArgs),
    /// Fill a separate database with clearly labelled synthetic companies, for benchmarks
    Synth(SynthArgs),
    /// Write a consistent copy of the database to FILE, safe while the server runs
    Backup {
        /// The new file (must not exist yet)
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Check the database file: SQLite's integrity check and foreign-key check
    Check(DatabaseArgs),
    /// Manage park staff accounts (passwords are read from standard input or a prompt, never from flags)
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write every entry of ENTITY (companies, sectors, phases, …) as CSV, the admin's export format
    Export {
        entity: String,
        /// Write to this file instead of standard output
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Check a CSV file of ENTITY row by row, as the admin's import preview does; with --apply, import it
    Import {
        entity: String,
        file: std::path::PathBuf,
        /// Save the changes (in one transaction, a revision per changed row); without it nothing is written
        #[arg(long)]
        apply: bool,
        /// With --apply: import the good rows even if others have errors
        #[arg(long)]
        skip_invalid: bool,
        /// The name recorded in the revisions
        #[arg(long, default_value = "command-line", value_name = "NAME")]
        user: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account
    Add {
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Set a new password for an account (its sessions end)
    Passwd {
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Set the address a staff account is mailed at (new entry applications), and its language; an empty
    /// address stops the mail
    Mail {
        username: String,
        address: String,
        /// The language of the mail: zh or en
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List the accounts
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Delete an account
    Remove {
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

impl AdminCommand {
    async fn run(self) -> anyhow::Result<()> {
        use crate::admin::accounts;
        match self {
            AdminCommand::Add { username, db } => {
                accounts::check_username(&username).map_err(|t| anyhow::anyhow!(t.en))?;
                let pool = crate::db::open(&db.database).await?;
                let password = read_password(&username)?;
                accounts::add(&pool, &username, &password).await?;
                println!("Created the account {username}. Sign in at /admin/login.");
            }
            AdminCommand::Passwd { username, db } => {
                let pool = crate::db::open(&db.database).await?;
                if accounts::find(&pool, &username).await?.is_none() {
                    anyhow::bail!("no account named {username}");
                }
                let password = read_password(&username)?;
                accounts::set_password(&pool, &username, &password).await?;
                println!("Changed the password of {username}; its sessions have ended.");
            }
            AdminCommand::Mail { username, address, lang, db } => {
                let pool = crate::db::open(&db.database).await?;
                let address = address.trim();
                if !address.is_empty() && !crate::admin::rules::is_email(address) {
                    anyhow::bail!("“{address}” is not an e-mail address");
                }
                accounts::set_mail(&pool, &username, address, &lang).await?;
                if address.is_empty() {
                    println!("{username} is no longer mailed.");
                } else {
                    println!("{username} is mailed at {address} ({lang}): new entry applications.");
                }
            }
            AdminCommand::List { db } => {
                let pool = crate::db::open(&db.database).await?;
                let users = accounts::all(&pool).await?;
                if users.is_empty() {
                    println!("No accounts yet. Create one with: park-portal admin add USERNAME");
                }
                for u in users {
                    let mailed = if u.email.is_empty() { String::new() } else { format!("\tmailed at {}", u.email) };
                    println!("{}\tcreated {}{mailed}", u.username, u.created_at);
                }
            }
            AdminCommand::Remove { username, db } => {
                let pool = crate::db::open(&db.database).await?;
                accounts::remove(&pool, &username).await?;
                println!("Removed the account {username}.");
            }
        }
        Ok(())
    }
}

/// A new password: prompted twice on a terminal, otherwise the first line of standard input.
fn read_password(username: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {username}: "))?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            anyhow::bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    crate::admin::accounts::check_password_policy(&password, username).map_err(|t| anyhow::anyhow!(t.en))?;
    Ok(password)
}

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// How many synthetic companies to add
    #[arg(long, default_value_t = 100_000)]
    pub companies: usize,
    /// The database to fill (required, and never the default data/park.db)
    #[arg(long, value_name = "PATH")]
    pub database: std::path::PathBuf,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Some(Command::Serve(args)) => serve(args).await,
            None => serve(ServeArgs::parse_defaults()).await,
            Some(Command::Synth(args)) => crate::synth::run(&args.database, args.companies).await,
            Some(Command::Admin(command)) => command.run().await,
            Some(Command::Backup { file, db }) => {
                let pool = crate::db::open(&db.database).await?;
                crate::db::maintenance::backup(&pool, &file).await?;
                println!("Wrote a consistent copy of {} to {}.", db.database.display(), file.display());
                Ok(())
            }
            Some(Command::Check(db)) => {
                let pool = crate::db::open(&db.database).await?;
                let mut problems = crate::db::maintenance::check(&pool).await?;
                // Rows the catalog cannot read or build: the server leaves them out; staff can fix them.
                let loaded = crate::catalog::follow::load(&pool).await?;
                problems.extend(loaded.problems.iter().map(|p| format!("left out of the public site: {p}")));
                if problems.is_empty() {
                    println!("{}: integrity ok, foreign keys ok, every row readable.", db.database.display());
                    Ok(())
                } else {
                    for p in &problems {
                        println!("{p}");
                    }
                    anyhow::bail!("{} problems found in {}", problems.len(), db.database.display())
                }
            }
            Some(Command::Export { entity, output, db }) => export(&entity, output.as_deref(), &db).await,
            Some(Command::Import { entity, file, apply, skip_invalid, user, db }) => {
                import(&entity, &file, apply, skip_invalid, &user, &db).await
            }
            Some(Command::Migrate(args)) => {
                let pool = crate::db::open(&args.database).await?;
                pool.close().await;
                tracing::info!(database = %args.database.display(), "migrations applied");
                Ok(())
            }
        }
    }
}

fn entity_named(key: &str) -> anyhow::Result<&'static crate::admin::spec::Entity> {
    crate::admin::spec::entity(key).ok_or_else(|| {
        let known: Vec<&str> = crate::admin::spec::ENTITIES.iter().map(|e| e.key).collect();
        anyhow::anyhow!("no entity named {key}; one of: {}", known.join(", "))
    })
}

async fn export(key: &str, output: Option<&std::path::Path>, db: &DatabaseArgs) -> anyhow::Result<()> {
    use crate::admin::record::{self, ListQuery};
    let entity = entity_named(key)?;
    let pool = crate::db::open(&db.database).await?;
    let all = ListQuery { q: "", filters: Vec::new(), sort: Some(("id", false)), page: 1, per_page: -1, rank: None };
    let (records, _) = record::list(&pool, entity, &all).await?;
    let bytes = crate::admin::csv::write(&mut *pool.acquire().await?, entity, &records).await?;
    match output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote {} {} to {}.", records.len(), entity.key, path.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?,
    }
    Ok(())
}

async fn import(
    key: &str,
    file: &std::path::Path,
    apply: bool,
    skip_invalid: bool,
    user: &str,
    db: &DatabaseArgs,
) -> anyhow::Result<()> {
    use crate::admin::csv::{self, Action};
    let entity = entity_named(key)?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    if bytes.len() > crate::admin::MAX_UPLOAD_BYTES {
        anyhow::bail!("{} is larger than 2 MB, the import's limit", file.display());
    }
    let upload = csv::parse(entity, &bytes).map_err(|t| anyhow::anyhow!(t.en))?;
    let pool = crate::db::open(&db.database).await?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let plan = csv::plan(&mut tx, entity, &upload).await?;
    for column in &plan.unknown_columns {
        println!("ignored unknown column {column}");
    }
    for row in &plan.rows {
        let what = match row.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => continue,
            Action::Invalid => "ERROR",
        };
        println!("row {}	{what}	{}", row.number, row.title.en);
        for c in &row.changes {
            println!("	{}: {:?} -> {:?}", c.label.1, c.before, c.after);
        }
        for p in &row.problems {
            println!("	{} ({}): {}", p.label.1, p.column, p.message.en);
        }
    }
    let (created, updated, unchanged, invalid) = (
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Unchanged),
        plan.count(Action::Invalid),
    );
    println!("{created} to create, {updated} to update, {unchanged} unchanged, {invalid} with errors");
    if !apply {
        println!("Nothing was written (a check only); add --apply to import.");
        return Ok(());
    }
    if invalid > 0 && !skip_invalid {
        anyhow::bail!("{invalid} rows have errors; nothing was imported (fix them, or add --skip-invalid)");
    }
    let applied = csv::apply(&mut tx, entity, &plan, user)
        .await
        .map_err(|err| anyhow::anyhow!(err.message().map(|t| String::from(t.en)).unwrap_or_else(|| err.to_string())))?;
    tx.commit().await?;
    println!(
        "Imported: {} created, {} updated. A running server shows them within a second.",
        applied.created, applied.updated
    );
    Ok(())
}

impl ServeArgs {
    /// `serve`'s settings when no command was given: defaults, overridden by the environment.
    fn parse_defaults() -> Self {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Defaults::parse_from(["park-portal"]).serve
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let pool = crate::db::open(&args.db.database).await?;
    // Bound first, so absolute links name the port the system chose for `--bind …:0`.
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("cannot listen on {}", args.bind))?;
    let state = crate::app::start(pool, args.settings(listener.local_addr()?)).await?;
    // Expired sessions are removed from the database hourly.
    let store = tower_sessions_sqlx_store::SqliteStore::new(state.pool.clone());
    tokio::spawn(tower_sessions::session_store::ExpiredDeletion::continuously_delete_expired(
        store,
        tokio::time::Duration::from_secs(3600),
    ));
    let pruning = crate::app::spawn_attempt_pruning(&state);
    let app = crate::app::router(state.clone());
    tracing::info!("listening on http://{} with database {}", listener.local_addr()?, args.db.database.display());
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    pruning.abort();
    state.mailer.stop().await;
    let (hits, renders) = state.page_cache.stats();
    let hit_rate = if hits + renders == 0 { 0.0 } else { hits as f64 / (hits + renders) as f64 };
    // bench/run reads this line for the benchmark's hit rate: `hits=… renders=…`, in that order.
    let at_door = state.page_cache.answered_at_door();
    tracing::info!(hits, renders, at_door, hit_rate = format!("{hit_rate:.4}"), "response cache");
    state.pool.close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish and the pool closes cleanly.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
