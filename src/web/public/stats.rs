//! `/stats`: the park in numbers — companies by sector and by phase, awards by competition and by year, and
//! prize money — each as a bar chart with a table of the same numbers, computed from the catalog at render
//! time (so an admin's edit shows on the next request).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::catalog::{Award, Catalog};
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::charts::{Bar, BarChart, ChartText};
use crate::web::error::AppResult;
use crate::web::{Chrome, Ctx, render};

/// A chart with what the reader should know about its numbers.
pub struct Panel {
    pub chart: BarChart,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "public/stats.html")]
struct StatsPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    panels: Vec<Panel>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let panels = vec![
        companies_by_sector(&catalog, l),
        companies_by_phase(&catalog, l),
        awards_by_competition(&catalog, l),
        awards_by_year(&catalog, l),
        prize_money_by_competition(&catalog, l),
        prize_money_by_year(&catalog, l),
    ];
    let chrome = ctx.chrome("stats").describe(
        l.t("统计", "Statistics"),
        l.t(
            "长春光电信息产业园企业按产业方向、分期的分布，以及获奖数与奖金的统计图表，附同样数字的表格。",
            "Charts of the Changchun Optoelectronic Information Industrial Park's companies by sector and phase, and of awards and prize money, each with a table of the same numbers.",
        ),
    );
    render(&StatsPage { l, chrome, catalog: &catalog, panels })
}

fn count_bar(label: impl Into<String>, n: usize, href: Option<String>, l: Lang) -> Bar {
    let n = n as i64;
    Bar { label: label.into(), value: Some(n), value_label: l.number(n), href }
}

/// Yuan on the axis, shortened: `10万` / `100k`.
fn yuan_tick(l: Lang) -> impl Fn(i64) -> String {
    move |v| match l {
        _ if v == 0 => "0".to_string(),
        Lang::Zh if v % 10_000 == 0 => format!("{}万", l.number(v / 10_000)),
        Lang::En if v % 1_000 == 0 => format!("{}k", l.number(v / 1_000)),
        _ => l.number(v),
    }
}

fn count_tick(l: Lang) -> impl Fn(i64) -> String {
    move |v| l.number(v)
}

fn companies_by_sector(catalog: &Catalog, l: Lang) -> Panel {
    let mut bars: Vec<Bar> = catalog
        .sectors
        .iter()
        .map(|s| count_bar(s.name.get(l), s.members.len(), Some(l.url(&format!("/sectors/{}", s.slug))), l))
        .collect();
    let unstated = catalog.unsectored.len();
    bars.push(count_bar(l.t("产业方向未说明", "Sector not stated"), unstated, None, l));
    let chart = BarChart::horizontal(
        ChartText {
            id: "chart-sectors",
            title: l.t("各产业方向的企业数", "Companies by sector").to_string(),
            category_heading: l.t("产业方向", "Sector").to_string(),
            value_heading: l.t("企业数（家）", "Companies").to_string(),
        },
        bars,
        count_tick(l),
    );
    let note = l
        .t(
            "一家企业可属于多个产业方向，因此各项之和可能多于收录的企业数。",
            "A company can be in several sectors, so the bars may add up to more than the number of companies.",
        )
        .to_string();
    Panel { chart, note: Some(note) }
}

fn companies_by_phase(catalog: &Catalog, l: Lang) -> Panel {
    let mut bars: Vec<Bar> = catalog
        .phases
        .iter()
        .map(|p| count_bar(p.name.get(l), p.members.len(), Some(l.url(&format!("/phases/{}", p.number))), l))
        .collect();
    let unstated = catalog.unphased.len();
    bars.push(count_bar(l.t("分期未说明", "Phase not stated"), unstated, None, l));
    let chart = BarChart::horizontal(
        ChartText {
            id: "chart-phases",
            title: l.t("各分期的收录企业数", "Companies profiled, by phase").to_string(),
            category_heading: l.t("分期", "Phase").to_string(),
            value_heading: l.t("企业数（家）", "Companies").to_string(),
        },
        bars,
        count_tick(l),
    );
    // The stated tenant counts are a different number (most tenants are not named): say so beside the chart.
    let stated: Vec<String> = catalog
        .phases
        .iter()
        .filter_map(|p| {
            let n = p.tenant_count_stated?;
            let as_of = p.as_of.as_deref().map(|d| l.date(d));
            Some(match (l, as_of) {
                (Lang::Zh, Some(d)) => format!("{}公开的入驻企业数为 {n} 家（截至{d}）", p.name.get(l)),
                (Lang::Zh, None) => format!("{}公开的入驻企业数为 {n} 家", p.name.get(l)),
                (Lang::En, Some(d)) => format!("{} has {n} tenants as stated in {d}", p.name.get(l)),
                (Lang::En, None) => format!("{} has {n} tenants as stated", p.name.get(l)),
            })
        })
        .collect();
    let note = match l {
        Lang::Zh if stated.is_empty() => "本图只计本站收录的企业。".to_string(),
        Lang::Zh => format!("本图只计本站收录的企业；{}，其余企业来源未具名。", stated.join("；")),
        Lang::En if stated.is_empty() => "The chart counts the companies profiled on this site.".to_string(),
        Lang::En => format!(
            "The chart counts the companies profiled on this site. {}; the source does not name the others.",
            stated.join("; ")
        ),
    };
    Panel { chart, note: Some(note) }
}

fn awards_by_competition(catalog: &Catalog, l: Lang) -> Panel {
    let bars = catalog
        .competitions
        .iter()
        .map(|comp| {
            let n = catalog.awards.iter().filter(|a| a.competition_id == comp.id).count();
            count_bar(comp.name.get(l), n, Some(format!("{}?competition={}", l.url("/awards"), comp.slug)), l)
        })
        .collect();
    let chart = BarChart::horizontal(
        ChartText {
            id: "chart-award-competitions",
            title: l.t("各赛事的获奖数", "Awards by competition").to_string(),
            category_heading: l.t("赛事", "Competition").to_string(),
            value_heading: l.t("获奖数（项）", "Awards").to_string(),
        },
        bars,
        count_tick(l),
    );
    Panel { chart, note: None }
}

/// Awards by the year they were won: stated years ascending, then the awards whose year the source does
/// not give, as a group of their own.
fn year_groups(catalog: &Catalog) -> Vec<(Option<i64>, Vec<&Award>)> {
    let mut years: BTreeMap<Option<i64>, Vec<&Award>> = BTreeMap::new();
    for a in catalog.awards.iter() {
        years.entry(a.year).or_default().push(a);
    }
    let mut groups: Vec<(Option<i64>, Vec<&Award>)> = years.into_iter().collect();
    groups.sort_by_key(|(year, _)| (year.is_none(), *year));
    groups
}

fn year_label(year: Option<i64>, l: Lang) -> String {
    match (year, l) {
        (Some(y), Lang::Zh) => format!("{y}年"),
        (Some(y), Lang::En) => y.to_string(),
        (None, _) => l.t("年份未说明", "Year not stated").to_string(),
    }
}

fn unstated_year_note(catalog: &Catalog, l: Lang) -> Option<String> {
    catalog.awards.iter().any(|a| a.year.is_none()).then(|| {
        l.t(
            "来源未说明年份的奖项计入“年份未说明”。",
            "Awards whose year the source does not give are counted under “Year not stated”.",
        )
        .to_string()
    })
}

fn awards_by_year(catalog: &Catalog, l: Lang) -> Panel {
    let bars = year_groups(catalog)
        .into_iter()
        .map(|(year, awards)| count_bar(year_label(year, l), awards.len(), None, l))
        .collect();
    let chart = BarChart::horizontal(
        ChartText {
            id: "chart-award-years",
            title: l.t("各年份的获奖数", "Awards by year").to_string(),
            category_heading: l.t("年份", "Year").to_string(),
            value_heading: l.t("获奖数（项）", "Awards").to_string(),
        },
        bars,
        count_tick(l),
    );
    Panel { chart, note: unstated_year_note(catalog, l) }
}

/// Prize money of a group of awards: the sum of the stated amounts; None when no award in it states one
/// (never a made-up zero).
fn money_bar(label: String, awards: &[&Award], href: Option<String>, l: Lang) -> Bar {
    let stated: Vec<i64> = awards.iter().filter_map(|a| a.prize_money_yuan).collect();
    let value = (!stated.is_empty()).then(|| stated.iter().sum());
    let value_label = match value {
        Some(v) => l.yuan(v),
        None => l.t("未说明", "not stated").to_string(),
    };
    Bar { label, value, value_label, href }
}

fn money_text(id: &'static str, title: &str, category: &str, l: Lang) -> ChartText {
    ChartText {
        id,
        title: title.to_string(),
        category_heading: category.to_string(),
        value_heading: l.t("奖金（元）", "Prize money (yuan)").to_string(),
    }
}

/// What the money charts count, with the totals the home page shows.
fn money_note(catalog: &Catalog, l: Lang) -> String {
    let f = &catalog.figures;
    match l {
        Lang::Zh => format!(
            "仅计来源说明了的金额，合计 {}；另获科技项目立项支持 {}（不计入本图）。",
            l.yuan(f.prize_money_yuan),
            l.yuan(f.project_support_yuan)
        ),
        Lang::En => format!(
            "Only amounts the source states are counted: {} in all, plus {} of project support (not charted).",
            l.yuan(f.prize_money_yuan),
            l.yuan(f.project_support_yuan)
        ),
    }
}

fn prize_money_by_competition(catalog: &Catalog, l: Lang) -> Panel {
    let bars = catalog
        .competitions
        .iter()
        .map(|comp| {
            let awards: Vec<&Award> =
                catalog.awards.iter().map(|a| &**a).filter(|a| a.competition_id == comp.id).collect();
            money_bar(
                comp.name.get(l).to_string(),
                &awards,
                Some(format!("{}?competition={}", l.url("/awards"), comp.slug)),
                l,
            )
        })
        .collect();
    let chart = BarChart::horizontal(
        money_text(
            "chart-prize-competitions",
            l.t("各赛事的奖金", "Prize money by competition"),
            l.t("赛事", "Competition"),
            l,
        ),
        bars,
        yuan_tick(l),
    );
    Panel { chart, note: Some(money_note(catalog, l)) }
}

fn prize_money_by_year(catalog: &Catalog, l: Lang) -> Panel {
    let bars = year_groups(catalog)
        .into_iter()
        .map(|(year, awards)| money_bar(year_label(year, l), &awards, None, l))
        .collect();
    let chart = BarChart::horizontal(
        money_text("chart-prize-years", l.t("各年份的奖金", "Prize money by year"), l.t("年份", "Year"), l),
        bars,
        yuan_tick(l),
    );
    let note = [unstated_year_note(catalog, l), Some(money_note(catalog, l))].into_iter().flatten().collect::<Vec<_>>();
    Panel { chart, note: Some(note.join(l.t("", " "))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_ticks_are_short() {
        assert_eq!(yuan_tick(Lang::Zh)(100_000), "10万");
        assert_eq!(yuan_tick(Lang::En)(100_000), "100k");
        assert_eq!(yuan_tick(Lang::En)(0), "0");
        assert_eq!(yuan_tick(Lang::Zh)(2_500), "2,500");
    }
}
