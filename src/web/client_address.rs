//! The client's address behind reverse proxies (`--trusted-proxies`).
//!
//! Behind a proxy every connection comes from the proxy, so sign-in throttling by address would throttle
//! everyone together. When the socket's peer is a trusted proxy, the address comes from `X-Forwarded-For`
//! or RFC 7239 `Forwarded: for=`, read from the right (each proxy appends the address it saw), skipping
//! trusted proxies: the first untrusted entry is the client. Entries left of it were written by the client
//! and may be forged, so they are never read.
//!
//! Any doubt means the peer: no trusted range, an untrusted peer, an entry that does not parse, or both
//! headers present and naming different clients (a proxy manages one of them and passes the other through
//! from the client, and we cannot tell which: a forger then only ever gets the proxy's address).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address for a request that came from `peer`, given the trusted proxy ranges.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let forwarded_for = header_list(headers, "x-forwarded-for", |list| Some(list.split(',').map(str::trim).collect()));
    let forwarded = header_list(headers, "forwarded", forwarded_elements);
    let from = |entries: Option<Option<Vec<String>>>| entries.map(|e| e.and_then(|e| walk(&e, trusted)));
    match (from(forwarded_for), from(forwarded)) {
        (Some(Some(a)), None) | (None, Some(Some(a))) => a,
        (Some(Some(a)), Some(Some(b))) if a == b => a,
        _ => peer,
    }
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// All lines of header `name` joined as one list (a repeated header is one list in order), split into
/// entries by `split`. None when absent, Some(None) when it cannot be read.
fn header_list(
    headers: &HeaderMap,
    name: &str,
    split: impl Fn(&str) -> Option<Vec<&str>>,
) -> Option<Option<Vec<String>>> {
    let mut lines = headers.get_all(name).iter().peekable();
    lines.peek()?;
    let mut entries = Vec::new();
    for line in lines {
        let Some(parts) = line.to_str().ok().and_then(&split) else {
            return Some(None);
        };
        entries.extend(parts.into_iter().map(str::to_string));
    }
    Some(Some(entries))
}

/// From the right: the first entry that is not a trusted proxy; the left-most when all are. None when an
/// entry that must be read does not parse.
fn walk(entries: &[String], trusted: &[IpNet]) -> Option<IpAddr> {
    let mut last = None;
    for entry in entries.iter().rev() {
        let ip = node(entry)?.to_canonical();
        if !is_trusted(ip, trusted) {
            return Some(ip);
        }
        last = Some(ip);
    }
    last
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]`,
/// `[2001:db8::1]:4711`. Anything else (`unknown`, obfuscated names, garbage) is None.
fn node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')?.strip_suffix(']')?.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The `for=` value of each element of a `Forwarded` header (RFC 7239 §4), unquoted. None when the header
/// does not parse, or an element has no `for=`.
fn forwarded_elements(header: &str) -> Option<Vec<&str>> {
    split_outside_quotes(header, ',')?
        .into_iter()
        .map(|element| {
            let pairs = split_outside_quotes(element, ';')?;
            let value = pairs.into_iter().find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then_some(value.trim())
            })?;
            unquote(value)
        })
        .collect()
}

/// `text` split at `separator` where it is not inside a quoted string; None if a quote is left open.
fn split_outside_quotes(text: &str, separator: char) -> Option<Vec<&str>> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    parts.push(&text[start..]);
    Some(parts)
}

/// A token as it is, or a quoted string without its quotes. An address never needs an escape, so one
/// inside the quotes makes the value unreadable rather than being decoded.
fn unquote(value: &str) -> Option<&str> {
    match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').filter(|inner| !inner.contains(['"', '\\'])),
        None => Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_range;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|r| parse_range(r).unwrap()).collect()
    }

    fn client(peer: &str, headers: &[(&str, &str)], trusted: &[&str]) -> IpAddr {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        client_address(ip(peer), &map, &ranges(trusted))
    }

    const PROXY: &str = "10.0.0.5";
    const LAN: &[&str] = &["10.0.0.0/8"];

    #[test]
    fn without_trusted_ranges_the_headers_are_ignored() {
        assert_eq!(client(PROXY, &[("x-forwarded-for", "198.51.100.7")], &[]), ip(PROXY));
        assert_eq!(client(PROXY, &[("forwarded", "for=198.51.100.7")], &[]), ip(PROXY));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(client("203.0.113.9", &[("x-forwarded-for", "198.51.100.7")], LAN), ip("203.0.113.9"));
    }

    #[test]
    fn spoofed_left_most_entries_are_never_read() {
        // the client sent "1.2.3.4, garbage"; the proxy appended what it saw
        let xff = "1.2.3.4, not an address, 198.51.100.7";
        assert_eq!(client(PROXY, &[("x-forwarded-for", xff)], LAN), ip("198.51.100.7"));
        let fwd = "for=unknown, for=\"x;y\", for=198.51.100.7";
        assert_eq!(client(PROXY, &[("forwarded", fwd)], LAN), ip("198.51.100.7"));
        let fwd = "for=\"1.2.3.4, for=198.51.100.7";
        assert_eq!(client(PROXY, &[("forwarded", fwd)], LAN), ip(PROXY), "an open quote makes it unreadable");
        let fwd = "for=1.2.3.4;by=x, for=198.51.100.7;proto=https";
        assert_eq!(client(PROXY, &[("forwarded", fwd)], LAN), ip("198.51.100.7"));
    }

    #[test]
    fn several_proxies_are_skipped_from_the_right() {
        let xff = "1.2.3.4, 198.51.100.7, 10.1.1.1, 10.2.2.2";
        assert_eq!(client(PROXY, &[("x-forwarded-for", xff)], LAN), ip("198.51.100.7"));
        // two header lines are one list
        let lines = [("x-forwarded-for", "1.2.3.4, 198.51.100.7"), ("x-forwarded-for", "10.1.1.1")];
        assert_eq!(client(PROXY, &lines, LAN), ip("198.51.100.7"));
        // only proxies: the furthest one
        assert_eq!(client(PROXY, &[("x-forwarded-for", "10.9.9.9, 10.1.1.1")], LAN), ip("10.9.9.9"));
    }

    #[test]
    fn ipv6_in_every_spelling() {
        let v6 = &["fd00::/8"];
        for xff in ["2001:db8::7", "[2001:db8::7]", "[2001:db8::7]:4711"] {
            assert_eq!(client("fd00::1", &[("x-forwarded-for", xff)], v6), ip("2001:db8::7"), "{xff}");
        }
        let fwd = "for=\"[2001:db8::7]:4711\", For=\"[fd00::2]\"";
        assert_eq!(client("fd00::1", &[("forwarded", fwd)], v6), ip("2001:db8::7"));
        assert_eq!(client(PROXY, &[("forwarded", "for=\"198.51.100.7:47011\"")], LAN), ip("198.51.100.7"));
        // a dual-stack socket reports IPv4 peers as mapped IPv6 addresses
        assert_eq!(client("::ffff:10.0.0.5", &[("x-forwarded-for", "198.51.100.7")], LAN), ip("198.51.100.7"));
    }

    #[test]
    fn garbage_falls_back_to_the_peer() {
        for xff in ["", "unknown", "198.51.100.7, bogus", "1.2.3.4:99999", "[1.2.3.4]"] {
            assert_eq!(client(PROXY, &[("x-forwarded-for", xff)], LAN), ip(PROXY), "{xff:?}");
        }
        for fwd in ["for=unknown", "for=_hidden", "by=10.0.0.5", "for", "for=\"198.51.100.7", "for=\"1.2\\.3.4\""] {
            assert_eq!(client(PROXY, &[("forwarded", fwd)], LAN), ip(PROXY), "{fwd:?}");
        }
    }

    #[test]
    fn both_headers_count_only_when_they_agree() {
        let agree = [("x-forwarded-for", "198.51.100.7"), ("forwarded", "for=198.51.100.7")];
        assert_eq!(client(PROXY, &agree, LAN), ip("198.51.100.7"));
        // the proxy writes one header; the client forged the other
        let forged = [("x-forwarded-for", "198.51.100.7"), ("forwarded", "for=192.0.2.66")];
        assert_eq!(client(PROXY, &forged, LAN), ip(PROXY));
    }
}
