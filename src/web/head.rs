//! What each public page tells search engines and link previews about itself: its title and description,
//! its canonical URL and language alternates (absolute), the Open Graph and Twitter card tags with a preview
//! image, and schema.org structured data (JSON-LD).
//!
//! Pages fill one [`Head`] through [`Chrome`](super::Chrome)'s builder methods; `_base.html` writes the tags
//! once, so no template repeats them.

use std::borrow::Borrow;
use std::io::Cursor;
use std::path::Path;

use serde_json::{Value, json};

use crate::catalog::news::Post;
use crate::catalog::{Award, Catalog, Company};
use crate::i18n::Lang;
use crate::web::{Ctx, assets};

/// The site's name, as the layout's header and `og:site_name` give it.
pub fn site_name(l: impl Borrow<Lang>) -> &'static str {
    l.borrow().t("长春光电信息产业园", "Changchun Optoelectronic Information Industrial Park")
}

#[derive(Debug, Clone)]
pub struct Head {
    /// The page's own title; the layout adds the site's name.
    pub title: String,
    pub description: String,
    /// This page's canonical URL, and the same page in each language (all absolute).
    pub canonical: String,
    pub zh_url: String,
    pub en_url: String,
    pub image: PreviewImage,
    /// Structured data, serialised and escaped for a `<script>` data block by [`json_for_html`].
    pub json_ld: Option<String>,
    origin: String,
    lang: Lang,
    /// The page's path without the language prefix (the Chinese one).
    base_path: String,
}

impl Head {
    /// The defaults for the page at `base_path` (written as the Chinese path) on the site at `origin`: its
    /// canonical URL is its path without a query, and its picture the park's.
    pub fn new(origin: &str, lang: Lang, base_path: &str) -> Head {
        let mut head = Head {
            title: String::new(),
            description: String::new(),
            canonical: String::new(),
            zh_url: String::new(),
            en_url: String::new(),
            image: PreviewImage::park(origin, lang),
            json_ld: None,
            origin: origin.to_string(),
            lang,
            base_path: base_path.to_string(),
        };
        head.set_query("");
        head
    }

    /// Makes `query` (without `?`, the same in both languages) part of the canonical URL and the alternates.
    pub fn set_query(&mut self, query: &str) {
        let url = |l: Lang| {
            let path = l.url(&self.base_path);
            if query.is_empty() { format!("{}{path}", self.origin) } else { format!("{}{path}?{query}", self.origin) }
        };
        self.zh_url = url(Lang::Zh);
        self.en_url = url(Lang::En);
        self.canonical = if self.lang.is_en() { self.en_url.clone() } else { self.zh_url.clone() };
    }

    /// `summary_large_image` when the picture is a wide banner, else the small `summary` card.
    pub fn twitter_card(&self) -> &'static str {
        if self.image.is_large() { "summary_large_image" } else { "summary" }
    }

    /// Open Graph locale of the page, then of its other language.
    pub fn og_locales(&self) -> (&'static str, &'static str) {
        if self.lang.is_en() { ("en_US", "zh_CN") } else { ("zh_CN", "en_US") }
    }
}

/// The picture a link preview shows.
#[derive(Debug, Clone)]
pub struct PreviewImage {
    /// Absolute URL.
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub content_type: &'static str,
}

impl PreviewImage {
    /// The park's banner (1200 × 630).
    pub fn park(origin: &str, l: Lang) -> PreviewImage {
        let (width, height) = assets::PARK_PREVIEW_SIZE;
        PreviewImage {
            url: format!("{origin}{}", assets::url(assets::PARK_PREVIEW)),
            width,
            height,
            alt: l
                .t(
                    "长春光电信息产业园 · 北方光谷",
                    "Changchun Optoelectronic Information Industrial Park · Northern Optics Valley",
                )
                .into(),
            content_type: "image/png",
        }
    }

    /// A company's uploaded logo, if it has one and the file can be read (else previews fall back to the
    /// park's banner rather than point at a missing file).
    pub async fn logo(origin: &str, uploads_dir: &Path, c: &Company, l: Lang) -> Option<PreviewImage> {
        let alt = format!("{}{}", c.name.get(l), l.t("的标志", " logo"));
        PreviewImage::uploaded(origin, uploads_dir, "logos", c.logo_path.as_deref()?, alt).await
    }

    /// An uploaded image stored at `path` in folder `dir`, if the file can be read.
    pub async fn uploaded(
        origin: &str,
        uploads_dir: &Path,
        dir: &str,
        path: &str,
        alt: String,
    ) -> Option<PreviewImage> {
        // Only names the upload handler chose: `<dir>/` + 32 hex digits + `.png`.
        let file = path.strip_prefix(dir)?.strip_prefix('/')?;
        let valid = file.len() == 36 && file.ends_with(".png") && file[..32].chars().all(|ch| ch.is_ascii_hexdigit());
        if !valid {
            return None;
        }
        let bytes = tokio::fs::read(uploads_dir.join(dir).join(file)).await.ok()?;
        let (width, height) =
            image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?.into_dimensions().ok()?;
        Some(PreviewImage { url: format!("{origin}/media/{path}"), width, height, alt, content_type: "image/png" })
    }

    /// Wide enough for a large card (Twitter's is 2:1; a square logo is not).
    pub fn is_large(&self) -> bool {
        self.width >= 600 && u64::from(self.width) * 2 >= u64::from(self.height) * 3
    }
}

/// JSON for a `<script type="application/ld+json">` block: `<`, `>` and `&` become `\u003c`, `\u003e` and
/// `\u0026`, which JSON reads as the same characters, so no value (a name containing `</script>`, say) can
/// end the block or open a comment; the result is safe to emit unescaped.
pub fn json_for_html(value: &Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len() + 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            _ => out.push(ch),
        }
    }
    out
}

/// Several schema.org items as one JSON-LD document.
pub fn graph(items: Vec<Value>) -> Value {
    json!({ "@context": "https://schema.org", "@graph": items })
}

/// `BreadcrumbList` from the home page down to the page itself; `trail` is the (name, path) of each step
/// after the home page, paths written as the Chinese ones (`/sectors/laser`), in the page's language.
pub fn breadcrumbs(ctx: &Ctx, trail: &[(&str, &str)]) -> Value {
    let l = ctx.lang;
    let home = (l.t("首页", "Home"), "/");
    let items: Vec<Value> = std::iter::once(&home)
        .chain(trail)
        .enumerate()
        .map(|(i, (name, path))| {
            json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": ctx.absolute(&l.url(path)) })
        })
        .collect();
    json!({ "@type": "BreadcrumbList", "itemListElement": items })
}

/// The park as a schema.org `Place`: its names, aim and location exactly as the facts give them.
pub fn park_place(catalog: &Catalog, l: Lang, url: &str, image: &str) -> Value {
    let park = &catalog.park;
    let other = if l.is_en() { Lang::Zh } else { Lang::En };
    let name = park.name.get(l);
    let alternate =
        distinct(name, [park.name.get(other), park.alt_name.get(l), park.nickname.get(l), park.nickname.get(other)]);
    let mut place = json!({ "@type": "Place", "name": name, "url": url, "image": image });
    if !alternate.is_empty() {
        place["alternateName"] = json!(alternate);
    }
    if !park.aim.is_empty() {
        place["description"] = json!(park.aim.get(l));
    }
    if !park.location.is_empty() {
        place["address"] = json!(park.location.get(l));
    }
    place
}

/// A company as a schema.org `Organization`, with only what the data states: no address (the data keeps
/// none for companies), a founding date only when the year is known.
pub fn organization(catalog: &Catalog, c: &Company, l: Lang, url: &str, logo: Option<&str>) -> Value {
    let other = if l.is_en() { Lang::Zh } else { Lang::En };
    let name = c.name.get(l);
    let mut org = json!({ "@type": "Organization", "name": name, "url": url });
    let mut alternates = vec![c.name.get(other)];
    if !c.legal_name.is_empty() {
        org["legalName"] = json!(c.legal_name.get(l));
        alternates.extend([c.legal_name.get(l), c.legal_name.get(other)]);
    }
    let alternate = distinct(name, alternates);
    if !alternate.is_empty() {
        org["alternateName"] = json!(alternate);
    }
    let summary = c.summary(l);
    if !summary.is_empty() {
        org["description"] = json!(summary);
    }
    if let Some(website) = &c.website {
        org["sameAs"] = json!(website);
    }
    if let Some(logo) = logo {
        org["logo"] = json!(logo);
    }
    if let Some(year) = c.founded_year {
        org["foundingDate"] = json!(year.to_string());
    }
    let awards: Vec<String> = catalog.awards_of(c).into_iter().map(|a| award_text(catalog, a, l)).collect();
    if !awards.is_empty() {
        org["award"] = json!(awards);
    }
    org
}

/// A post as a schema.org `NewsArticle`: its headline, when it appeared, the park as its publisher.
pub fn news_article(catalog: &Catalog, p: &Post, l: Lang, url: &str, image: Option<&str>) -> Value {
    let publisher = json!({ "@type": "Organization", "name": catalog.park.name.get(l) });
    let mut article = json!({
        "@type": "NewsArticle",
        "headline": p.title.get(l),
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": p.published_rfc3339(),
        "inLanguage": if p.title.is_fallback(l) { "zh-CN" } else { l.code() },
        "publisher": publisher.clone(),
        "author": publisher,
    });
    if !p.summary.get(l).is_empty() {
        article["description"] = json!(p.summary.get(l));
    }
    if let Some(image) = image {
        article["image"] = json!(image);
    }
    article
}

/// One award as a line of text: "第十届中国创新创业大赛（吉林赛区）初创组 二等奖（2021年）" /
/// "10th China Innovation and Entrepreneurship Competition (Jilin division), start-up group: second prize (2021)".
pub fn award_text(catalog: &Catalog, a: &Award, l: Lang) -> String {
    let mut text = String::new();
    if let Some(comp) = catalog.competition(a.competition_id) {
        text.push_str(&a.edition_label(l));
        if l.is_en() && a.edition.is_some() {
            text.push(' ');
        }
        text.push_str(comp.name.get(l));
    }
    if !a.division.is_empty() {
        text.push_str(&format!("{}{}{}", l.t("（", " ("), a.division.get(l), l.t("）", ")")));
    }
    if !a.group.is_empty() {
        text.push_str(&format!("{}{}", l.t("", ", "), a.group.get(l)));
    }
    if !a.rank.is_empty() {
        text.push_str(l.t(" ", ": "));
        text.push_str(a.rank.get(l));
    }
    if let Some(year) = a.year {
        text.push_str(&if l.is_en() { format!(" ({year})") } else { format!("（{year}年）") });
    }
    text.trim().to_string()
}

/// The non-empty names among `names` that differ from `name` and from each other, in order.
fn distinct<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        let n = n.trim();
        if !n.is_empty() && n != name.trim() && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_end_its_script_block() {
        let name = "</script><script>alert(1)</script> & <!-- R&D";
        let value = json!({ "@type": "Organization", "name": name });
        let embedded = json_for_html(&value);
        assert!(!embedded.contains('<') && !embedded.contains('>') && !embedded.contains('&'));
        assert!(embedded.contains("\\u003c/script\\u003e"));
        let back: Value = serde_json::from_str(&embedded).expect("still JSON");
        assert_eq!(back["name"], name);
    }

    #[test]
    fn distinct_names_skip_repeats_and_blanks() {
        assert_eq!(
            distinct("长光辰芯", ["Gpixel", "", "长光辰芯", "Gpixel", " 长春长光辰芯微电子股份有限公司 "]),
            vec!["Gpixel", "长春长光辰芯微电子股份有限公司"]
        );
    }

    #[test]
    fn wide_pictures_get_the_large_card() {
        let image = |width, height| PreviewImage {
            url: String::new(),
            width,
            height,
            alt: String::new(),
            content_type: "image/png",
        };
        assert!(image(1200, 630).is_large());
        assert!(!image(512, 512).is_large());
        assert!(!image(400, 200).is_large());
    }

    #[test]
    fn canonical_and_alternates_are_absolute() {
        let mut head = Head::new("https://park.example", Lang::En, "/companies");
        assert_eq!(head.canonical, "https://park.example/en/companies");
        head.set_query("sector=laser");
        assert_eq!(head.zh_url, "https://park.example/companies?sector=laser");
        assert_eq!(head.en_url, "https://park.example/en/companies?sector=laser");
        assert_eq!(head.canonical, head.en_url);
        assert_eq!(Head::new("https://park.example", Lang::En, "/").canonical, "https://park.example/en/");
    }
}
