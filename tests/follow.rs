//! The write path: the catalog follows the database's change log. After every step of random creates, edits,
//! deletes, reverts, imports and hand-written SQL across the entities, the catalog the server published must
//! equal a fresh full load of the database.

mod common;

use common::{TestApp, fixtures};
use park_portal::admin::record::{self, Values};
use park_portal::admin::spec::{self, Entity};
use park_portal::catalog::{follow, search};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::Value;
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Names the catalog must build: an ordinary word whose first reading starts with a multi-byte letter (欸),
/// Latin only, a name shared by two companies, one that sorts first.
const NAMES: &[&str] = &["欸乃光电", "Gpixel Lab", "长光新材", "长光新材", "阿尔法光学", "吉林精测", "重庆长光"];
const PRODUCTS: &[&str] = &["", "GMAX4002", "欸乃-1", "LX0001"];

#[derive(Debug, Clone)]
enum Op {
    CreateCompany {
        name: usize,
        sector: usize,
    },
    EditCompany {
        pick: usize,
        name: usize,
        sectors: Vec<usize>,
        phase: Option<usize>,
        designation: bool,
    },
    DeleteCompany {
        pick: usize,
    },
    CreateMilestone {
        company: usize,
        product: usize,
    },
    EditMilestone {
        pick: usize,
        company: usize,
        product: usize,
    },
    DeleteMilestone {
        pick: usize,
    },
    CreateAward {
        company: usize,
        prize: Option<i64>,
    },
    EditAward {
        pick: usize,
        company: usize,
    },
    DeleteAward {
        pick: usize,
    },
    EditSmall {
        entity: usize,
        pick: usize,
        name: usize,
    },
    Revert {
        pick: usize,
    },
    Import {
        pick: usize,
        name: usize,
    },
    HandSql {
        pick: usize,
        name: usize,
        sector: usize,
    },
    /// Hundreds of companies at once (more than are moved one by one: the catalog's bulk path).
    Bulk {
        name: usize,
        sector: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..64;
    prop_oneof![
        (0..NAMES.len(), i()).prop_map(|(name, sector)| Op::CreateCompany { name, sector }),
        (i(), 0..NAMES.len(), prop::collection::vec(i(), 0..3), prop::option::of(i()), any::<bool>()).prop_map(
            |(pick, name, sectors, phase, designation)| Op::EditCompany { pick, name, sectors, phase, designation }
        ),
        i().prop_map(|pick| Op::DeleteCompany { pick }),
        (i(), 0..PRODUCTS.len()).prop_map(|(company, product)| Op::CreateMilestone { company, product }),
        (i(), i(), 0..PRODUCTS.len()).prop_map(|(pick, company, product)| Op::EditMilestone { pick, company, product }),
        i().prop_map(|pick| Op::DeleteMilestone { pick }),
        (i(), prop::option::of(0i64..1_000_000)).prop_map(|(company, prize)| Op::CreateAward { company, prize }),
        (i(), i()).prop_map(|(pick, company)| Op::EditAward { pick, company }),
        i().prop_map(|pick| Op::DeleteAward { pick }),
        (0usize..5, i(), 0..NAMES.len()).prop_map(|(entity, pick, name)| Op::EditSmall { entity, pick, name }),
        i().prop_map(|pick| Op::Revert { pick }),
        (i(), 0..NAMES.len()).prop_map(|(pick, name)| Op::Import { pick, name }),
        (i(), 0..NAMES.len(), i()).prop_map(|(pick, name, sector)| Op::HandSql { pick, name, sector }),
        (0..NAMES.len(), i()).prop_map(|(name, sector)| Op::Bulk { name, sector }),
    ]
}

async fn ids(pool: &SqlitePool, table: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!("select id from {table} order by id")).fetch_all(pool).await.unwrap()
}

/// The `pick`-th id of a table (wrapping), if it has rows.
async fn nth(pool: &SqlitePool, table: &str, pick: usize) -> Option<i64> {
    let all = ids(pool, table).await;
    (!all.is_empty()).then(|| all[pick % all.len()])
}

async fn current(pool: &SqlitePool, entity: &Entity, id: i64) -> record::Record {
    let mut conn = pool.acquire().await.unwrap();
    record::load(&mut conn, entity, id).await.unwrap().expect("the entry exists")
}

/// Saves `change` over the stored values of an entry (a form save); refusals (a duplicate, an entry still
/// referred to) are fine: the catalog must match whatever the database holds.
async fn edit(pool: &SqlitePool, entity: &Entity, id: i64, change: impl FnOnce(&mut Values)) {
    let mut r = current(pool, entity, id).await;
    change(&mut r.values);
    let _ = record::update(pool, entity, id, r.version, &r.values, "prop").await;
}

/// Creates an entry from a copy of an existing one with `change` applied.
async fn copy(pool: &SqlitePool, entity: &Entity, from: i64, change: impl FnOnce(&mut Values)) {
    let mut values = current(pool, entity, from).await.values;
    change(&mut values);
    let _ = record::create(pool, entity, &values, "prop").await;
}

async fn run(pool: &SqlitePool, op: &Op, step: usize) {
    let sectors = ids(pool, "sector").await;
    let phases = ids(pool, "phase").await;
    let company = |pick: usize| nth(pool, "company", pick);
    match op {
        Op::CreateCompany { name, sector } => {
            let from = company(0).await.expect("seeded companies");
            let (name, sector) = (NAMES[*name], sectors[sector % sectors.len()]);
            copy(pool, &spec::COMPANIES, from, |v| {
                v.insert("slug".into(), Value::from(format!("prop-{step}")));
                v.insert("short_name_zh".into(), Value::from(name));
                v.insert("sectors".into(), Value::from(vec![sector]));
            })
            .await;
        }
        Op::EditCompany { pick, name, sectors: chosen, phase, designation } => {
            let Some(id) = company(*pick).await else { return };
            let chosen: Vec<i64> = chosen.iter().map(|s| sectors[s % sectors.len()]).collect();
            let phase = phase.map(|p| phases[p % phases.len()]);
            let designations: Vec<i64> = if *designation { ids(pool, "designation").await } else { Vec::new() };
            edit(pool, &spec::COMPANIES, id, |v| {
                v.insert("short_name_zh".into(), Value::from(NAMES[*name]));
                v.insert("sectors".into(), Value::from(chosen));
                v.insert("phase_id".into(), phase.map(Value::from).unwrap_or(Value::Null));
                v.insert("designations".into(), Value::from(designations));
            })
            .await;
        }
        Op::DeleteCompany { pick } => {
            if let Some(id) = company(*pick).await {
                let _ = record::delete(pool, &spec::COMPANIES, id, "prop").await;
            }
        }
        Op::CreateMilestone { company: c, product } => {
            let (Some(from), Some(c)) = (nth(pool, "milestone", 0).await, company(*c).await) else { return };
            copy(pool, &spec::MILESTONES, from, |v| {
                v.insert("company_id".into(), Value::from(c));
                v.insert("product_name".into(), Value::from(PRODUCTS[*product]));
            })
            .await;
        }
        Op::EditMilestone { pick, company: c, product } => {
            let (Some(id), Some(c)) = (nth(pool, "milestone", *pick).await, company(*c).await) else { return };
            edit(pool, &spec::MILESTONES, id, |v| {
                v.insert("company_id".into(), Value::from(c));
                v.insert("product_name".into(), Value::from(PRODUCTS[*product]));
            })
            .await;
        }
        Op::DeleteMilestone { pick } => {
            if let Some(id) = nth(pool, "milestone", *pick).await {
                let _ = record::delete(pool, &spec::MILESTONES, id, "prop").await;
            }
        }
        Op::CreateAward { company: c, prize } => {
            let (Some(from), Some(c)) = (nth(pool, "award", 0).await, company(*c).await) else { return };
            copy(pool, &spec::AWARDS, from, |v| {
                v.insert("company_id".into(), Value::from(c));
                v.insert("prize_money_yuan".into(), prize.map(Value::from).unwrap_or(Value::Null));
            })
            .await;
        }
        Op::EditAward { pick, company: c } => {
            let (Some(id), Some(c)) = (nth(pool, "award", *pick).await, company(*c).await) else { return };
            edit(pool, &spec::AWARDS, id, |v| {
                v.insert("company_id".into(), Value::from(c));
            })
            .await;
        }
        Op::DeleteAward { pick } => {
            if let Some(id) = nth(pool, "award", *pick).await {
                let _ = record::delete(pool, &spec::AWARDS, id, "prop").await;
            }
        }
        Op::EditSmall { entity, pick, name } => {
            let (entity, column) = [
                (&spec::SECTORS, "name_zh"),
                (&spec::PHASES, "name_zh"),
                (&spec::BUILDINGS, "name_zh"),
                (&spec::DESIGNATIONS, "name_zh"),
                (&spec::COMPETITIONS, "name_zh"),
            ][*entity];
            let Some(id) = nth(pool, entity.table, *pick).await else { return };
            edit(pool, entity, id, |v| {
                v.insert(column.into(), Value::from(format!("{}{step}", NAMES[*name])));
            })
            .await;
        }
        Op::Revert { pick } => {
            let revisions: Vec<(i64, String, i64)> =
                sqlx::query_as("select id, entity, entity_id from revision order by id").fetch_all(pool).await.unwrap();
            if revisions.is_empty() {
                return;
            }
            let (revision, key, id) = &revisions[pick % revisions.len()];
            let entity = spec::entity(key).expect("a known entity");
            let _ = record::revert(pool, entity, *id, *revision, "prop").await;
        }
        Op::Import { pick, name } => import_rename(pool, *pick, NAMES[*name], step).await,
        Op::Bulk { name, sector } => {
            let sql = format!(
                "with recursive n(i) as (select 1 union all select i + 1 from n where i < 300)
                 insert into company (slug, short_name_zh) select 'bulk-{step}-' || i, ? || i from n;
                 insert into company_sector (company_id, sector_id)
                 select id, ? from company where slug like 'bulk-{step}-%';"
            );
            sqlx::query(&sql).bind(NAMES[*name]).bind(sectors[sector % sectors.len()]).execute(pool).await.unwrap();
        }
        Op::HandSql { pick, name, sector } => {
            let Some(id) = company(*pick).await else { return };
            // As someone at the sqlite3 prompt would: no revision, no version bump.
            sqlx::query("update company set short_name_zh = ? where id = ?")
                .bind(format!("{}{step}", NAMES[*name]))
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("insert or ignore into company_sector (company_id, sector_id) values (?, ?)")
                .bind(id)
                .bind(sectors[sector % sectors.len()])
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// A CSV import that renames one company: export, edit the cell, plan and apply as the import page does.
async fn import_rename(pool: &SqlitePool, pick: usize, name: &str, step: usize) {
    use park_portal::admin::csv;
    let Some(id) = nth(pool, "company", pick).await else { return };
    let mut conn = pool.acquire().await.unwrap();
    let mut r = current(pool, &spec::COMPANIES, id).await;
    r.values.insert("short_name_zh".into(), Value::from(format!("{name}{step}")));
    let bytes = csv::write(&mut conn, &spec::COMPANIES, &[r]).await.unwrap();
    let upload = csv::parse(&spec::COMPANIES, &bytes).expect("our own CSV parses");
    let plan = csv::plan(&mut conn, &spec::COMPANIES, &upload).await.unwrap();
    drop(conn);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
    if csv::apply(&mut tx, &spec::COMPANIES, &plan, "prop").await.is_ok() {
        tx.commit().await.unwrap();
    }
}

/// Runs `ops` on a fresh portal, checking after each that the published catalog equals a fresh load; adds to
/// `tally` the kinds of step that wrote something (a refused save writes nothing).
async fn check_sequence(ops: Vec<Op>, tally: &Mutex<BTreeMap<String, usize>>) {
    let app = TestApp::new().await;
    let pool = app.state.pool.clone();
    for (step, op) in ops.iter().enumerate() {
        let before = park_portal::db::changes::latest(&pool).await.unwrap();
        run(&pool, op, step).await;
        if park_portal::db::changes::latest(&pool).await.unwrap() > before {
            let kind = format!("{op:?}").split([' ', '{']).next().unwrap_or_default().to_string();
            *tally.lock().unwrap().entry(kind).or_default() += 1;
        }
        app.state.settle().await;
        let followed = app.state.catalog();
        let fresh = follow::load(&pool).await.expect("a full load").catalog;
        assert!(*followed == fresh, "after step {step} ({op:?}) the followed catalog differs from a fresh load");
    }
}

#[test]
fn the_followed_catalog_equals_a_fresh_load_after_every_step() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24);
    let mut runner = TestRunner::new(ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() });
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let tally = Mutex::new(BTreeMap::new());
    runner
        .run(&prop::collection::vec(op(), 1..24), |ops| {
            runtime.block_on(check_sequence(ops, &tally));
            Ok(())
        })
        .unwrap();
    // Count what ran, not what was planned: every kind of step must have written something at least once.
    let tally = tally.into_inner().unwrap();
    eprintln!("steps that wrote, by kind, over {cases} sequences: {tally:?}");
    for kind in [
        "CreateCompany",
        "EditCompany",
        "CreateMilestone",
        "EditMilestone",
        "DeleteMilestone",
        "CreateAward",
        "EditAward",
        "DeleteAward",
        "EditSmall",
        "Revert",
        "Import",
        "HandSql",
        "DeleteCompany",
        "Bulk",
    ] {
        assert!(tally.get(kind).copied().unwrap_or(0) > 0, "no {kind} step wrote anything: {tally:?}");
    }
}

/// A large directory starts before its search index is built: until then searches are answered by reading
/// every company, with the same answers, tier by tier; once built, the catalog equals an ordinary load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_search_index_answers_the_same() {
    let app = TestApp::new().await;
    let pool = app.state.pool.clone();
    fixtures::company("ainai").zh("欸乃光电").en("Ainai Photonics").description_zh("激光器件").insert(&app).await;
    app.settle().await;
    let eager = follow::load(&pool).await.unwrap().catalog;
    let deferred = follow::load_deferring(&pool, 0).await.unwrap().catalog;
    assert!(deferred.search.is_pending() && !eager.search.is_pending());
    let mut matched = 0;
    for q in [
        "光",
        "光电",
        "激光器",
        "激光器件",
        "cg",
        "ai",
        "e",
        "gp",
        "辰",
        "芯",
        "zz",
        "changguang",
        "gmax",
        "GPixel",
        "biomedical",
        "欸乃光电",
        "ainai",
        "ainai photonics",
        "changguang huada",
        "长光 cmos",
        "photonic",
    ] {
        let terms = search::terms(q);
        let expected = eager.find_terms(&terms);
        assert_eq!(deferred.find_terms(&terms), expected, "{q}");
        matched += expected.all().len();
    }
    assert!(matched > 30, "the terms matched companies: {matched}");
    let built = deferred.with_search_index().expect("a pending index is built");
    assert!(built == eager, "the built catalog equals an ordinary load");

    // Built from an older catalog while a company changed: brought up to date for that company.
    let index = deferred.build_search_index();
    app.exec_and_settle("update company set short_name_zh = '乃欸新材', description_zh = '' where slug = 'ainai'")
        .await;
    let later = follow::load_deferring(&pool, 0).await.unwrap().catalog;
    let id = later.company_by_slug("ainai").unwrap().id;
    let caught_up = later.with_search_index_from(&deferred, index, &[id].into()).expect("pending");
    assert!(caught_up == follow::load(&pool).await.unwrap().catalog, "equals an ordinary load of the later state");
    assert!(caught_up.find_terms(&search::terms("激")).all().is_empty(), "the old description's characters are gone");
    assert!(caught_up.find_terms(&search::terms("欸乃")).all().is_empty(), "and the old name's");
}
