//! Which query parameters a page reads, and the one canonical spelling of a query string for it.
//!
//! Why: the response cache keys pages by URL, so `?junk=1`, `?junk=2`, … would each render, compress and
//! store the same page again, evicting real ones. Each page declares its parameters next to the code that
//! parses them; any other spelling of the same page is redirected to the canonical one and never stored.

/// One query parameter a page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryParam {
    pub name: &'static str,
    /// Read every time it appears (a set: order and repeats do not matter); otherwise the last one wins.
    pub repeatable: bool,
    /// The value the page assumes when the parameter is absent, so writing it changes nothing.
    pub default: Option<&'static str>,
}

impl QueryParam {
    /// A parameter read once (the last value wins).
    pub const fn one(name: &'static str) -> QueryParam {
        QueryParam { name, repeatable: false, default: None }
    }

    /// A parameter that may repeat, read as a set.
    pub const fn many(name: &'static str) -> QueryParam {
        QueryParam { name, repeatable: true, default: None }
    }

    /// The same parameter with a default value, which the canonical query leaves out.
    pub const fn or(self, default: &'static str) -> QueryParam {
        QueryParam { default: Some(default), ..self }
    }
}

/// The canonical form (without `?`) of `query` for a page reading `params`: unknown parameters dropped,
/// values trimmed and blank ones dropped (every page reads them so), defaults dropped, a single parameter's
/// last value kept, a repeatable one's values sorted and deduplicated, and the parameters in the order of
/// `params`. Percent-encoding is read leniently, as the pages read it, and written in one way.
pub fn canonical(query: Option<&str>, params: &[QueryParam]) -> String {
    let pairs: Vec<(String, String)> = match query {
        Some(q) => form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.trim().to_string())).collect(),
        None => Vec::new(),
    };
    let mut out = form_urlencoded::Serializer::new(String::new());
    for param in params {
        let mut given = pairs.iter().filter(|(k, v)| k == param.name && !v.is_empty()).map(|(_, v)| v.as_str());
        let mut values: Vec<&str> = if param.repeatable {
            let mut all: Vec<&str> = given.collect();
            all.sort_unstable();
            all.dedup();
            all
        } else {
            // Only the last value counts, even when it is the default (it resets an earlier one).
            given.next_back().into_iter().collect()
        };
        values.retain(|v| Some(*v) != param.default);
        for value in values {
            out.append_pair(param.name, value);
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &[QueryParam] = &[
        QueryParam::one("q"),
        QueryParam::many("sector"),
        QueryParam::one("sort").or("name"),
        QueryParam::one("page"),
    ];

    fn c(query: &str) -> String {
        canonical(Some(query), PAGE)
    }

    #[test]
    fn unknown_parameters_are_dropped() {
        assert_eq!(c("junk=1"), "");
        assert_eq!(c("sector=laser&utm_source=x&junk"), "sector=laser");
        assert_eq!(canonical(None, PAGE), "");
        assert_eq!(canonical(Some("sector=laser"), &[]), "");
    }

    #[test]
    fn order_is_fixed_and_sets_are_sorted() {
        assert_eq!(c("sort=founded&sector=x"), "sector=x&sort=founded");
        assert_eq!(c("sector=x&sort=founded"), "sector=x&sort=founded");
        assert_eq!(c("sector=b&sector=a&sector=b"), "sector=a&sector=b");
        assert_eq!(c("page=2&q=gpixel"), "q=gpixel&page=2");
    }

    #[test]
    fn blanks_defaults_and_repeats_of_single_parameters() {
        assert_eq!(c("q=&sector=&sort=name&page= "), "");
        assert_eq!(c("q=%20gpixel%20"), "q=gpixel");
        assert_eq!(c("sort=founded&sort=awards"), "sort=awards");
        // the last value wins, even when it is the default
        assert_eq!(c("sort=founded&sort=name"), "");
        assert_eq!(c("sort=founded&sort="), "sort=founded");
    }

    #[test]
    fn encoding_is_written_one_way() {
        assert_eq!(c("q=a%20b"), "q=a+b");
        assert_eq!(c("q=a+b"), "q=a+b");
        assert_eq!(c("q=%E9%95%BF%E5%85%89"), "q=%E9%95%BF%E5%85%89");
        assert_eq!(c("q=%E9%95%bf%E5%85%89"), "q=%E9%95%BF%E5%85%89");
        // garbage is read leniently, never refused
        assert_eq!(c("q=%ZZ&&=&%FF"), "q=%25ZZ");
    }

    #[test]
    fn the_canonical_form_is_canonical() {
        for query in ["sort=founded&sector=b&sector=a&junk=1", "q=%E9%95%BF+x&page=3", "q=%ZZ", ""] {
            let once = c(query);
            assert_eq!(c(&once), once, "{query}");
        }
    }
}
