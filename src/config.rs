//! How the portal runs: the commands' flags and environment variables, and the [`Settings`] a server runs
//! with. Every default is defined here, once.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;

/// Where the database is when no `--database` is given.
pub const DEFAULT_DATABASE: &str = "data/park.db";
/// Where the server listens when no `--bind` is given.
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";
/// Requests handled at once by default.
pub const DEFAULT_MAX_CONCURRENCY: usize = 512;
/// Seconds an admin request may take by default before it is answered 408.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
/// The sender of outgoing mail when no `--mail-from` is given: a local name, never a real park domain.
pub const DEFAULT_MAIL_FROM: &str = "park-portal@localhost";
/// Days an entry application's personal data is kept by default (`--application-retention-days`).
pub const DEFAULT_APPLICATION_RETENTION_DAYS: u32 = 180;

/// Where the SQLite database lives (`--database`, `PARK_DATABASE`).
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// SQLite database file; created, migrated and seeded if missing
    #[arg(long, env = "PARK_DATABASE", default_value = DEFAULT_DATABASE, value_name = "PATH")]
    pub database: PathBuf,
}

/// Settings of `park-portal serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, env = "PARK_BIND", default_value = DEFAULT_BIND, value_name = "ADDR:PORT")]
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
    #[arg(long, env = "PARK_MAX_CONCURRENCY", default_value_t = DEFAULT_MAX_CONCURRENCY)]
    pub max_concurrency: usize,

    /// Seconds a request may take before it is answered 408
    #[arg(long, env = "PARK_REQUEST_TIMEOUT", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECS)]
    pub request_timeout: u64,

    /// The site's address as visitors reach it, for absolute links (canonical URLs, sitemap, feeds, open data)
    /// [default: http:// and the bind address]
    #[arg(long, env = "PARK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<url::Url>,

    /// Reverse proxies in front of the site, comma-separated CIDR ranges or addresses (`10.0.0.0/8,::1`):
    /// from these peers the client's address is read from X-Forwarded-For / Forwarded. Empty: those headers
    /// are ignored and the connection's peer is the client
    #[arg(long, env = "PARK_TRUSTED_PROXIES", value_delimiter = ',', value_name = "CIDRS",
          value_parser = parse_range)]
    pub trusted_proxies: Vec<IpNet>,

    /// Folder for uploaded logos [default: `uploads` beside the database]
    #[arg(long, env = "PARK_UPLOADS", value_name = "DIR")]
    pub uploads: Option<std::path::PathBuf>,

    /// Send mail through this SMTP server: `smtps://user:pass@host` (TLS, port 465),
    /// `smtp://user:pass@host?tls=required` (STARTTLS, port 587) or `smtp://host:25` (plain, a local relay).
    /// Unset: messages are written as .eml files to the outbox folder
    #[arg(long, env = "PARK_SMTP_URL", value_name = "URL", value_parser = SmtpUrlParser)]
    pub smtp_url: Option<SmtpUrl>,

    /// The From address of outgoing mail
    #[arg(long, env = "PARK_MAIL_FROM", default_value = DEFAULT_MAIL_FROM, value_name = "ADDRESS")]
    pub mail_from: String,

    /// Folder for mail written as .eml files when no --smtp-url is set [default: `outbox` beside the database]
    #[arg(long, env = "PARK_OUTBOX", value_name = "DIR")]
    pub outbox: Option<std::path::PathBuf>,

    /// Days an entry application's personal data (contact, phone, email, message) is kept before it is blanked.
    #[arg(long, env = "PARK_APPLICATION_RETENTION_DAYS", default_value_t = DEFAULT_APPLICATION_RETENTION_DAYS, value_name = "DAYS")]
    pub application_retention_days: u32,

    #[command(flatten)]
    pub db: DatabaseArgs,
}

impl ServeArgs {
    /// The settings these flags ask for, over the defaults for their database, for a server listening on
    /// `listening_on` (the bound address: with port 0 in `--bind`, the port the system chose).
    pub fn settings(&self, listening_on: SocketAddr) -> Settings {
        let mut settings = Settings::for_database(&self.db.database);
        settings.page_cache = !self.no_page_cache;
        settings.secure_cookies = self.secure_cookies;
        settings.public_url = match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("http://{listening_on}"),
        };
        settings.max_concurrency = self.max_concurrency.max(1);
        settings.request_timeout = Duration::from_secs(self.request_timeout.max(1));
        settings.allowed_hosts =
            self.allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
        settings.trusted_proxies = self.trusted_proxies.clone();
        if let Some(dir) = self.uploads.clone() {
            settings.uploads_dir = dir;
        }
        settings.smtp_url = self.smtp_url.clone();
        settings.mail_from = self.mail_from.trim().to_string();
        if let Some(dir) = self.outbox.clone() {
            settings.outbox_dir = dir;
        }
        settings.application_retention_days = self.application_retention_days.max(1);
        settings
    }
}

/// One `--trusted-proxies` entry: a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a single address.
pub fn parse_range(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("“{text}” is not an address range such as 10.0.0.0/8 or an address such as ::1"))
}

/// An SMTP server's URL (`--smtp-url`). It may carry a password, so it is shown (`Debug`, `Display`, logs)
/// with the password replaced by `***`; [`SmtpUrl::secret`] is the full text, for the mail transport only.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(Box<url::Url>); // boxed: kept small in `ServeArgs`, which clap's command enum holds

impl SmtpUrl {
    /// A URL with the scheme `smtp` or `smtps` and a host.
    pub fn parse(text: &str) -> Result<SmtpUrl, String> {
        let url = url::Url::parse(text.trim()).map_err(|err| format!("not a URL ({err})"))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err("the scheme must be smtp:// or smtps://".to_string());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL names no host".to_string());
        }
        Ok(SmtpUrl(Box::new(url)))
    }

    /// The URL with its password: give it to the transport, never to a log or a page.
    pub fn secret(&self) -> &str {
        self.0.as_str()
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// The port the URL names, or the one its form implies (lettre's defaults: 465 for smtps://, 587 for
    /// STARTTLS, 25 for plain).
    pub fn port(&self) -> u16 {
        self.0.port().unwrap_or(match self.security() {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Plain => 25,
        })
    }

    /// How the connection is protected, as the transport reads the URL.
    pub fn security(&self) -> SmtpSecurity {
        let tls = self.0.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        match (self.0.scheme(), tls.as_deref()) {
            ("smtps", _) => SmtpSecurity::Tls,
            (_, Some("required" | "opportunistic")) => SmtpSecurity::StartTls,
            _ => SmtpSecurity::Plain,
        }
    }
}

/// Parses `--smtp-url` with an error that does not repeat the value (clap's own would, password and all).
#[derive(Clone)]
struct SmtpUrlParser;

impl clap::builder::TypedValueParser for SmtpUrlParser {
    type Value = SmtpUrl;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<SmtpUrl, clap::Error> {
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::raw(clap::error::ErrorKind::InvalidUtf8, "--smtp-url is not valid UTF-8\n"))?;
        SmtpUrl::parse(text).map_err(|why| {
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("invalid --smtp-url: {why}\n"))
        })
    }
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (`smtps://`).
    Tls,
    /// Plain, upgraded with STARTTLS (`smtp://…?tls=required`, or `opportunistic`: only if offered).
    StartTls,
    /// No encryption (`smtp://`): for a relay on the same machine or network.
    Plain,
}

impl std::fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        f.write_str(shown.as_str())
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({self})")
    }
}

/// How a server runs, beyond where its database is.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Keep rendered public pages (off only to measure rendering).
    pub page_cache: bool,
    /// Mark the session cookie `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The site's origin as visitors reach it (`https://park.example`, no trailing slash): absolute links.
    pub public_url: String,
    /// Where uploaded logos are kept.
    pub uploads_dir: PathBuf,
    /// Where the open-data files are written, each process in a folder of its own inside it.
    pub open_data_dir: PathBuf,
    /// Host names this site answers to (`.example.com` also matches its subdomains); empty: any.
    pub allowed_hosts: Vec<String>,
    /// Requests handled at once; beyond it, 503 with Retry-After instead of queueing without bound.
    pub max_concurrency: usize,
    /// An admin request not answered within this gets 408 (a client sending its form or upload too slowly).
    /// Public pages read no body and render from memory, so they carry no timer.
    pub request_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client; empty: those headers
    /// are ignored and the socket's peer is the client (see `web::client_address`).
    pub trusted_proxies: Vec<IpNet>,
    /// Send mail through this SMTP server; `None`: write it to `outbox_dir` as .eml files.
    pub smtp_url: Option<SmtpUrl>,
    /// The From address of outgoing mail.
    pub mail_from: String,
    /// Where mail is written when there is no SMTP server, for staff to read (see `mail`).
    pub outbox_dir: PathBuf,
    /// Days an entry application's personal data is kept (see `admin::applications`).
    pub application_retention_days: u32,
}

impl Settings {
    /// `path` (starting with `/`) as an absolute URL on this site.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Defaults for a database file: uploads in an `uploads` folder beside it, mail in `outbox`.
    pub fn for_database(database: &Path) -> Settings {
        let dir = database.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Settings {
            page_cache: true,
            secure_cookies: false,
            public_url: format!("http://{DEFAULT_BIND}"),
            uploads_dir: dir.join("uploads"),
            open_data_dir: dir.to_path_buf(),
            allowed_hosts: Vec::new(),
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_string(),
            outbox_dir: dir.join("outbox"),
            application_retention_days: DEFAULT_APPLICATION_RETENTION_DAYS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_ranges_parse_as_ranges_or_addresses() {
        assert_eq!(parse_range(" 10.0.0.1/8 ").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_range("::1").unwrap().to_string(), "::1/128");
        assert_eq!(parse_range("192.0.2.1").unwrap().to_string(), "192.0.2.1/32");
        assert!(parse_range("10.0.0.0/33").is_err());
        assert!(parse_range("proxy.local").is_err());
        assert!(parse_range("").is_err());
    }

    #[test]
    fn the_flags_defaults_are_the_settings_defaults() {
        use clap::Parser;
        #[derive(Parser)]
        struct Flags {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let flags = Flags::parse_from(["park-portal"]).serve;
        let from_flags = flags.settings(flags.bind);
        let defaults = Settings::for_database(Path::new(DEFAULT_DATABASE));
        assert_eq!(flags.db.database, Path::new(DEFAULT_DATABASE));
        assert_eq!(from_flags.public_url, defaults.public_url);
        assert_eq!(from_flags.max_concurrency, defaults.max_concurrency);
        assert_eq!(from_flags.request_timeout, defaults.request_timeout);
        assert_eq!(from_flags.uploads_dir, defaults.uploads_dir);
        assert_eq!(from_flags.outbox_dir, defaults.outbox_dir);
        assert_eq!(from_flags.outbox_dir, Path::new("data/outbox"));
        assert_eq!(from_flags.mail_from, defaults.mail_from);
        assert_eq!(from_flags.smtp_url, None);
        assert_eq!(from_flags.application_retention_days, defaults.application_retention_days);
    }

    #[test]
    fn an_smtp_url_never_shows_its_password() {
        let url = SmtpUrl::parse("smtp://mailer:s3cret-Pw@mail.example.test?tls=required").unwrap();
        assert_eq!(url.to_string(), "smtp://mailer:***@mail.example.test?tls=required");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.secret().contains("s3cret-Pw"));
        assert_eq!((url.host(), url.port(), url.security()), ("mail.example.test", 587, SmtpSecurity::StartTls));
        let tls = SmtpUrl::parse("smtps://mail.example.test").unwrap();
        assert_eq!((tls.port(), tls.security()), (465, SmtpSecurity::Tls));
        let plain = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((plain.port(), plain.security()), (2525, SmtpSecurity::Plain));
        assert!(SmtpUrl::parse("http://mail.example.test").is_err());
        assert!(SmtpUrl::parse("smtp://").is_err());
        assert!(SmtpUrl::parse("mail.example.test").is_err());
    }
}
