//! The layers of `src/` depend only downward, and the domain knows nothing of HTTP: read from the source's own
//! `crate::…` paths, so a new upward import fails here instead of waiting for a reviewer.
//!
//! From the bottom: the foundations (`i18n`, `markdown`, `query`, `config`, `memory`), the database (`db`), the domain
//! (`catalog`: the public read model; `admin`: records, rules, imports; `mail`: the outgoing queue), `web`
//! (handlers, pages, the front door), and `app` (wiring), with the commands (`cli`, `synth`) on top. README.md
//! draws the same graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may use of the others.
const ALLOWED: &[(&str, &[&str])] = &[
    ("i18n", &[]),
    ("markdown", &[]),
    ("query", &["i18n"]),
    ("config", &[]),
    ("memory", &[]),
    ("db", &["i18n", "query", "config"]),
    ("catalog", &["db", "i18n", "markdown", "query", "memory"]),
    ("admin", &["db", "i18n"]),
    ("mail", &["i18n", "config"]),
    ("web", &["catalog", "admin", "db", "i18n", "markdown", "query", "config", "mail", "memory"]),
    ("app", &["web", "catalog", "admin", "db", "i18n", "config", "mail", "memory"]),
    ("synth", &["catalog", "db", "i18n", "config"]),
    ("cli", &["app", "catalog", "admin", "db", "i18n", "config", "synth"]),
    ("main", &["cli"]),
    ("lib", &[]),
];

/// Crates that belong to the web layer: below it, none may be named.
const HTTP_CRATES: &[&str] = &["axum", "askama", "tower", "tower_http", "tower_sessions", "axum_login", "http"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without comments and without its unit tests (which may reach anywhere).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The top-level modules a piece of code names through `crate::…`, `use crate::{a, b}` included.
fn crate_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let name = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(group.split(',').map(|item| name(item.trim())).filter(|n| !n.is_empty()));
        } else {
            out.insert(name(rest));
        }
    }
    out
}

fn module_of(src: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn imports_run_one_way() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 40, "the source tree was found ({} files)", files.len());
    let mut upward = Vec::new();
    let mut edges = 0;
    for path in &files {
        let module = module_of(&src, path);
        let Some(may_use) = allowed.get(module.as_str()) else {
            panic!("{module} (from {}) has no place in ALLOWED: say which layer it belongs to", path.display());
        };
        for used in crate_modules(&code_of(path)) {
            if used == module || used == "MIGRATOR" {
                continue;
            }
            edges += 1;
            if !may_use.contains(&used.as_str()) {
                upward.push(format!("{} uses crate::{used}", path.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(edges > 50, "the check read the imports ({edges} found)");
    assert!(upward.is_empty(), "imports against the layers:\n{}", upward.join("\n"));
}

#[test]
fn the_domain_knows_nothing_of_http() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let below_web = ["i18n", "markdown", "query", "config", "db", "catalog", "admin", "mail", "synth"];
    let mut found = Vec::new();
    let mut read = 0;
    for path in files.iter().filter(|p| below_web.contains(&module_of(&src, p).as_str())) {
        read += 1;
        let code = code_of(path);
        for krate in HTTP_CRATES {
            if code.contains(&format!("{krate}::")) && !code.contains(&format!("_{krate}::")) {
                found.push(format!("{} names {krate}", path.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(read > 20, "the domain's files were read ({read})");
    assert!(found.is_empty(), "HTTP below the web layer:\n{}", found.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_import() {
    // The parser itself: both spellings of a path are found.
    let modules =
        crate_modules("use crate::web::AppState;\nuse crate::{i18n::Lang, markdown};\nlet x = crate::db::open;");
    assert_eq!(modules, ["db", "i18n", "markdown", "web"].map(String::from).into_iter().collect());
}
