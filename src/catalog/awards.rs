//! The awards list's query: which competition, which company, in what order; read from a query string and
//! applied to the catalog. The page (`/awards`) and its download (`/awards.csv`) both answer through here.

use super::{Award, Catalog, Company, Competition};
use crate::i18n::Text;
use crate::query::QueryParam;

/// The parameters the awards list reads, in their canonical order; any other spelling of the same list is
/// redirected to that one.
pub const PARAMS: &[QueryParam] =
    &[QueryParam::one("competition"), QueryParam::one("company"), QueryParam::one("sort").or("competition")];

/// What the awards list was asked for: a competition, a company, an order.
pub struct AwardsQuery<'a> {
    pub competition: Option<&'a Competition>,
    pub company: Option<&'a Company>,
    pub sort: &'static str,
}

impl<'a> AwardsQuery<'a> {
    pub fn parse(pairs: &[(String, String)], catalog: &'a Catalog) -> Result<AwardsQuery<'a>, Text> {
        let mut query = AwardsQuery { competition: None, company: None, sort: "competition" };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "competition" => {
                    query.competition = Some(catalog.competition_by_slug(value).ok_or_else(|| {
                        Text::new(
                            format!("没有名为“{value}”的赛事。"),
                            format!("There is no competition called “{value}”."),
                        )
                    })?);
                }
                "company" => {
                    query.company = Some(catalog.company_by_slug(value).ok_or_else(|| {
                        Text::new(
                            format!("没有名为“{value}”的企业。"),
                            format!("There is no company called “{value}”."),
                        )
                    })?);
                }
                "sort" => {
                    query.sort = match value {
                        "competition" => "competition",
                        "company" => "company",
                        "prize" => "prize",
                        _ => {
                            return Err(Text::new(
                                "排序方式无效：可选 competition、company、prize。",
                                "Unknown sort: use competition, company or prize.",
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(query)
    }

    /// The awards asked for, in the order asked for.
    pub fn rows(&self, catalog: &'a Catalog) -> Vec<&'a Award> {
        let mut rows: Vec<&Award> = catalog
            .awards
            .iter()
            .map(|a| &**a)
            .filter(|a| self.competition.is_none_or(|c| a.competition_id == c.id))
            .filter(|a| self.company.is_none_or(|c| a.company_id == c.id))
            .collect();
        match self.sort {
            "company" => rows.sort_by_key(|a| catalog.position(a.company_id)),
            "prize" => rows.sort_by_key(|a| std::cmp::Reverse(a.prize_money_yuan.unwrap_or(-1))),
            _ => rows.sort_by_key(|a| (a.competition_id, std::cmp::Reverse(a.edition))),
        }
        rows
    }

    /// The same query as a query string (for the download link), without defaults.
    pub fn to_query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(c) = self.competition {
            s.append_pair("competition", &c.slug);
        }
        if let Some(c) = self.company {
            s.append_pair("company", &c.slug);
        }
        if self.sort != "competition" {
            s.append_pair("sort", self.sort);
        }
        s.finish()
    }
}
