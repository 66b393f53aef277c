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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal over HTTP (the default command)
    Serve(ServeArgs),
    /// Create the database if missing and apply pending migrations, then exit
    Migrate(DatabaseArgs),
    /// Fill a separate database with clearly labelled synthetic companies, for benchmarks
    Synth(SynthArgs),
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
            Some(Command::Migrate(args)) => {
                let pool = crate::db::open(&args.database).await?;
                pool.close().await;
                tracing::info!(database = %args.database.display(), "migrations applied");
                Ok(())
            }
        }
    }
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
    let state = crate::app::AppState::new(pool, !args.no_page_cache).await?;
    let app = crate::app::router(state.clone());
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("cannot listen on {}", args.bind))?;
    tracing::info!("listening on http://{} with database {}", listener.local_addr()?, args.db.database.display());
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("server error")?;
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
