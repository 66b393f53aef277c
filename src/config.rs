//! Settings shared by the commands, from flags or environment variables, with defaults that just work.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the SQLite database lives (`--database`, `PARK_DATABASE`).
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// SQLite database file; created, migrated and seeded if missing
    #[arg(long, env = "PARK_DATABASE", default_value = "data/park.db", value_name = "PATH")]
    pub database: PathBuf,
}

/// Settings of `park-portal serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, env = "PARK_BIND", default_value = "127.0.0.1:3000", value_name = "ADDR:PORT")]
    pub bind: SocketAddr,

    /// Render every page afresh instead of serving it from the response cache (for benchmarks)
    #[arg(long, env = "PARK_NO_PAGE_CACHE")]
    pub no_page_cache: bool,

    /// The site is served over HTTPS (behind a TLS proxy): mark the session cookie Secure
    #[arg(long, env = "PARK_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Host names the site answers to, comma-separated (`.example.com` matches subdomains); others get 400.
    /// Empty: any host (development)
    #[arg(long, env = "PARK_ALLOWED_HOSTS", value_delimiter = ',', value_name = "HOSTS")]
    pub allowed_hosts: Vec<String>,

    /// Requests handled at once; more are answered 503 with Retry-After
    #[arg(long, env = "PARK_MAX_CONCURRENCY", default_value_t = 512)]
    pub max_concurrency: usize,

    /// Seconds a request may take before it is answered 408
    #[arg(long, env = "PARK_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,

    /// The site's address as visitors reach it, for absolute links (canonical URLs, sitemap, feeds, open data)
    /// [default: http:// and the bind address]
    #[arg(long, env = "PARK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<url::Url>,

    /// Reverse proxies in front of the site, comma-separated CIDR ranges or addresses (`10.0.0.0/8,::1`):
    /// from these peers the client's address is read from X-Forwarded-For / Forwarded. Empty: those headers
    /// are ignored and the connection's peer is the client
    #[arg(long, env = "PARK_TRUSTED_PROXIES", value_delimiter = ',', value_name = "CIDRS",
          value_parser = crate::web::client_address::parse_range)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Folder for uploaded logos [default: `uploads` beside the database]
    #[arg(long, env = "PARK_UPLOADS", value_name = "DIR")]
    pub uploads: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub db: DatabaseArgs,
}
