//! `park-portal synth`: fills a separate database with clearly labelled synthetic companies, for measuring
//! the portal at scale. Never touches the default database.

use std::path::Path;

use anyhow::{Context, bail};

/// Syllables that make plausible-looking (and searchable) Chinese names; every one is labelled synthetic.
const HEADS: &[&str] =
    &["光", "辰", "华", "芯", "微", "晶", "星", "智", "精", "锐", "远", "恒", "新", "科", "瑞", "影"];
const TAILS: &[&str] =
    &["光电", "影像", "传感", "精密", "激光", "医疗", "材料", "航天", "智造", "显示", "芯片", "仪器"];
const PRODUCTS: &[&str] = &["GS", "LX", "CM", "HX", "TR", "PX"];

/// Deterministic pseudo-random numbers (the same database every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

pub async fn run(database: &Path, companies: usize) -> anyhow::Result<()> {
    let default = Path::new(crate::config::DEFAULT_DATABASE);
    let same_as_default = database == default
        || std::fs::canonicalize(default).ok().zip(std::fs::canonicalize(database).ok()).is_some_and(|(a, b)| a == b);
    if same_as_default {
        bail!(
            "refusing to add synthetic companies to the default database {}; name another with --database",
            default.display()
        );
    }
    let pool = crate::db::open(database).await?;
    let existing: (i64,) =
        sqlx::query_as("select count(*) from company where slug like 'synthetic-%'").fetch_one(&pool).await?;
    if existing.0 > 0 {
        bail!("{} already holds {} synthetic companies; use a new file", database.display(), existing.0);
    }
    let sectors: Vec<(i64,)> = sqlx::query_as("select id from sector order by id").fetch_all(&pool).await?;
    let phases: Vec<(i64,)> = sqlx::query_as("select id from phase order by id").fetch_all(&pool).await?;
    let mut rng = Lcg(0x5eed);
    let mut tx = pool.begin().await?;
    for i in 1..=companies {
        insert_company(&mut tx, i, &mut rng, &sectors, &phases).await?;
    }
    tx.commit().await.context("cannot commit the synthetic companies")?;
    pool.close().await;
    tracing::info!(companies, database = %database.display(), "synthetic companies added");
    Ok(())
}

/// Synthetic company number `i`: a name, a sector, maybe a phase, and a product launch for one in three.
async fn insert_company(
    tx: &mut sqlx::SqliteConnection,
    i: usize,
    rng: &mut Lcg,
    sectors: &[(i64,)],
    phases: &[(i64,)],
) -> sqlx::Result<()> {
    let head = format!("{}{}", HEADS[rng.next(HEADS.len())], HEADS[rng.next(HEADS.len())]);
    let tail = TAILS[rng.next(TAILS.len())];
    let name_zh = format!("{head}{tail}{i}号（合成）");
    let name_en = format!("Synthetic Company {i:06}");
    let product = format!("{}{:04}", PRODUCTS[rng.next(PRODUCTS.len())], rng.next(10_000));
    let phase = (rng.next(4) > 0).then(|| phases[rng.next(phases.len())].0);
    let id: (i64,) = sqlx::query_as(
        "insert into company (slug, short_name_zh, short_name_en, phase_id, description_zh, description_en, highlights_zh, highlights_en)
         values (?, ?, ?, ?, ?, ?, ?, ?) returning id",
    )
    .bind(format!("synthetic-{i:06}"))
    .bind(&name_zh)
    .bind(&name_en)
    .bind(phase)
    .bind(format!("合成测试数据，并非真实企业：用于衡量门户在大规模数据下的性能。主营{tail}相关产品，产品型号 {product}。"))
    .bind(format!("Synthetic test data, not a real company: used to measure the portal at scale. Works on {tail} products such as {product}."))
    .bind(format!("合成数据第 {i} 条"))
    .bind(format!("Synthetic record {i}"))
    .fetch_one(&mut *tx)
    .await?;
    let sector = sectors[rng.next(sectors.len())].0;
    sqlx::query("insert into company_sector (company_id, sector_id) values (?, ?)")
        .bind(id.0)
        .bind(sector)
        .execute(&mut *tx)
        .await?;
    if rng.next(3) == 0 {
        sqlx::query(
            "insert into milestone (occurred_on, kind, company_id, product_name, title_zh, title_en)
             values ('2023-01', 'product_launch', ?, ?, ?, ?)",
        )
        .bind(id.0)
        .bind(&product)
        .bind(format!("（合成）发布 {product}"))
        .bind(format!("(Synthetic) launch of {product}"))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
