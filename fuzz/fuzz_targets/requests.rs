//! What a visitor controls, straight into the code that reads it: a query string through the directory's
//! filter parsing, filtering and URL building; the search term through term splitting, the search index
//! (checked against reading every company) and pinyin; and Markdown (as an editor would type it) through the
//! renderer and sanitiser.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use park_portal::catalog::Catalog;
use park_portal::catalog::directory::{self, DirectoryQuery};
use park_portal::catalog::{pinyin, search};
use park_portal::i18n::Lang;

/// The seeded park, loaded once (a fresh database in a temporary folder). Everything it needs is kept in one
/// static, so nothing is dropped or leaked behind the leak sanitizer's back.
struct Park {
    catalog: Catalog,
    _pool: sqlx::SqlitePool,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn catalog() -> &'static Catalog {
    static PARK: OnceLock<Park> = OnceLock::new();
    &PARK
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let (pool, catalog) = runtime.block_on(async {
                let pool = park_portal::db::open(&dir.path().join("park.db")).await.expect("database");
                let catalog = park_portal::catalog::follow::load(&pool).await.expect("catalog").catalog;
                (pool, catalog)
            });
            Park { catalog, _pool: pool, _runtime: runtime, _dir: dir }
        })
        .catalog
}

fuzz_target!(|data: &[u8]| {
    let cat = catalog();
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(data).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let _ = DirectoryQuery::has_noise(&pairs);
    if let Ok(query) = DirectoryQuery::parse(&pairs, cat) {
        let results = directory::run(cat, &query);
        drop(results);
        let again = DirectoryQuery::parse(
            &form_urlencoded::parse(query.to_query_string().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>(),
            cat,
        );
        assert!(again.is_ok(), "a URL the directory built does not parse: {}", query.to_query_string());
        for filter in query.active_filters() {
            let _ = filter.label(&query, cat, Lang::Zh);
            let _ = query.without(&filter).url("/companies");
        }
    }
    let text = String::from_utf8_lossy(data);
    let terms = search::terms(&text);
    let found = cat.find_terms(&terms);
    let numbered = cat.companies.iter().filter_map(|c| cat.doc(c.id).map(|doc| (doc, &**c)));
    let read = search::find_by_reading(numbered, &terms, &terms.join(" "));
    assert!(found == read, "the index and reading every company disagree on {terms:?}");
    let _ = pinyin::search_spellings(&text, 8);
    let _ = pinyin::display(&text);
    let html = park_portal::markdown::to_html(&text);
    assert!(!html.contains("<script"), "the sanitiser let a script through");
    let _ = park_portal::markdown::first_paragraph_text(&text);
});
