//! One body in every encoding the site serves (identity, gzip, brotli), with its strong ETag, and the
//! answer to a request for it (encoding negotiation, `If-None-Match`, ranges where asked).

use std::io::Write as _;
use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One body in every encoding we serve, with its validators. The compressed copies are made on first demand
/// (a page only ever asked for plainly, or only as brotli, is never compressed otherwise).
#[derive(Debug)]
pub struct Encoded {
    pub identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// Served compressed to clients that accept it (not for images whose format compresses already).
    compressible: bool,
    /// Hex digest of the identity bytes; each encoding's ETag adds a suffix (a strong ETag names exact bytes).
    pub digest: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

// Levels that compress a page in well under a millisecond: a save makes changed pages compress again (gzip 9
// and brotli 9 cost several times more for a few % less).
fn gzip(identity: &[u8]) -> Bytes {
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(identity.len() / 3), flate2::Compression::new(6));
    match gz.write_all(identity).and_then(|()| gz.finish()) {
        Ok(bytes) => Bytes::from(bytes),
        Err(_) => Bytes::new(),
    }
}

fn brotli(mut identity: &[u8]) -> Bytes {
    let mut br = Vec::with_capacity(identity.len() / 3);
    let params = brotli::enc::BrotliEncoderParams { quality: 5, lgwin: 22, ..Default::default() };
    match brotli::BrotliCompress(&mut identity, &mut br, &params) {
        Ok(_) => Bytes::from(br),
        Err(_) => Bytes::new(),
    }
}

impl Encoded {
    /// A body compressed when a client first asks for an encoding (on the asking request: keep it small).
    pub fn new(identity: Bytes) -> Encoded {
        Encoded {
            digest: digest(&identity),
            identity,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            compressible: true,
        }
    }

    /// A body compressed in every encoding now (for the blocking pool, or for assets made once at start).
    pub fn compressed_now(identity: Bytes) -> Encoded {
        let encoded = Encoded::new(identity);
        encoded.gzip();
        encoded.brotli();
        encoded
    }

    pub fn gzip(&self) -> &Bytes {
        self.gzip.get_or_init(|| gzip(&self.identity))
    }

    pub fn brotli(&self) -> &Bytes {
        self.brotli.get_or_init(|| brotli(&self.identity))
    }

    /// A body served only as it is (an image whose format compresses already).
    pub fn uncompressed(identity: Bytes) -> Encoded {
        Encoded { compressible: false, ..Encoded::new(identity) }
    }

    /// Bytes held, counting the compressed copies before they exist (a page compresses to under a quarter of
    /// its size in either encoding), so the cache's bound holds whichever are made later.
    pub fn weight(&self) -> u64 {
        let compressed = if self.compressible { self.identity.len() / 2 } else { 0 };
        (self.identity.len() + compressed + 256) as u64
    }

    pub fn body(&self, encoding: Encoding) -> &Bytes {
        match encoding {
            Encoding::Identity => &self.identity,
            Encoding::Gzip => self.gzip(),
            Encoding::Brotli => self.brotli(),
        }
    }

    fn etag(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Identity => format!("\"{}\"", self.digest),
            Encoding::Gzip => format!("\"{}-gz\"", self.digest),
            Encoding::Brotli => format!("\"{}-br\"", self.digest),
        }
    }

    /// The best encoding the client accepts (and that compressed to something).
    pub fn negotiate(&self, headers: &HeaderMap) -> Encoding {
        let accepted = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !self.compressible {
            Encoding::Identity
        } else if accepts(accepted, "br") && !self.brotli().is_empty() {
            Encoding::Brotli
        } else if accepts(accepted, "gzip") && !self.gzip().is_empty() {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// A response for `request_headers` (304 when its `If-None-Match` names this body), `method` GET or HEAD.
    pub fn respond(
        &self,
        request_headers: &HeaderMap,
        method: &Method,
        content_type: &'static str,
        cache_control: &'static str,
    ) -> Response {
        let encoding = self.negotiate(request_headers);
        let etag = self.etag(encoding);
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        let not_modified = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|inm| inm.trim() == "*" || inm.split(',').any(|tag| self.matches(tag.trim())));
        if not_modified {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        match encoding {
            Encoding::Identity => {}
            Encoding::Gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Encoding::Brotli => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            }
        }
        let bytes = self.body(encoding).clone();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        let body = if method == Method::HEAD { Body::empty() } else { Body::from(bytes) };
        (StatusCode::OK, headers, body).into_response()
    }

    /// Whether an `If-None-Match` entry names any encoding of this body (weak or strong).
    fn matches(&self, tag: &str) -> bool {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        [Encoding::Identity, Encoding::Gzip, Encoding::Brotli].iter().any(|e| self.etag(*e) == tag)
    }
}

/// `Accept-Encoding` lists `coding` without `q=0`.
pub fn accepts(header: &str, coding: &str) -> bool {
    header.split(',').any(|part| {
        let mut pieces = part.split(';');
        let name = pieces.next().unwrap_or("").trim();
        let refused = pieces.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

/// 128-bit digest (two independent SipHash passes) — an ETag needs uniqueness, not secrecy.
pub(super) fn digest(bytes: &[u8]) -> String {
    let mut d = Digest::new();
    d.update(bytes);
    d.finish()
}

/// [`Encoded`]'s digest, fed piece by piece: the ETag of a file written as a stream (same bytes, same digest,
/// however they were split).
#[derive(Clone)]
pub struct Digest([std::collections::hash_map::DefaultHasher; 2]);

impl Digest {
    pub fn new() -> Digest {
        use std::hash::{BuildHasher, Hasher};
        Digest([0x9e37_79b9_7f4a_7c15_u64, 0xc2b2_ae3d_27d4_eb4f].map(|seed| {
            let mut h =
                std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().build_hasher();
            h.write_u64(seed);
            h
        }))
    }

    pub fn update(&mut self, bytes: &[u8]) {
        use std::hash::Hasher;
        for h in &mut self.0 {
            h.write(bytes);
        }
    }

    /// Hex, 32 digits.
    pub fn finish(&self) -> String {
        use std::hash::Hasher;
        self.0.iter().map(|h| format!("{:016x}", h.finish())).collect()
    }
}

impl Default for Digest {
    fn default() -> Digest {
        Digest::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn accept_encoding_parsing() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("GZIP", "gzip"));
        assert!(!accepts("gzip;q=0, br", "gzip"));
        assert!(accepts("gzip;q=0.5", "gzip"));
        assert!(!accepts("identity", "gzip"));
        assert!(!accepts("brotli", "br"));
    }

    #[test]
    fn a_digest_fed_in_pieces_equals_the_whole() {
        let bytes: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut pieces = Digest::new();
        for chunk in bytes.chunks(977) {
            pieces.update(chunk);
        }
        assert_eq!(pieces.finish(), digest(&bytes));
        assert_eq!(digest(&bytes).len(), 32);
        assert_ne!(digest(&bytes), digest(&bytes[1..]));
    }

    #[test]
    fn an_encoding_is_made_when_first_asked_for_and_only_then() {
        let e = Encoded::new(Bytes::from("<p>北方光谷</p>".repeat(50)));
        assert!(e.gzip.get().is_none() && e.brotli.get().is_none());
        let mut asks = HeaderMap::new();
        asks.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(e.negotiate(&asks), Encoding::Gzip);
        assert!(e.gzip.get().is_some() && e.brotli.get().is_none(), "brotli is never asked for here");
        assert_eq!(e.negotiate(&HeaderMap::new()), Encoding::Identity);
        let image = Encoded::uncompressed(Bytes::from_static(b"\x89PNG"));
        assert_eq!(image.negotiate(&asks), Encoding::Identity);
        assert!(image.gzip.get().is_none());
    }

    #[test]
    fn encodings_round_trip() {
        let body = Bytes::from("<p>长春光电信息产业园</p>".repeat(50));
        let e = Encoded::new(body.clone());
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&e.gzip()[..]), &mut out).unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &e.brotli()[..], &mut out).unwrap();
        assert_eq!(out, body);
        assert!(e.brotli().len() < body.len() / 4);
    }
}
