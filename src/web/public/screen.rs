//! What keeps scripts off the forms visitors send without an account (a correction, an entry application),
//! without third parties: a field people do not see (a honeypot), a minimum time between opening the form and
//! sending it (the form carries the time it was made, signed), and a limit per address (kept by the caller's
//! table, counted by [`limit_key`]).

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::i18n::Text;

/// Sent sooner than this after the form was made: a script, not a person reading the page.
pub const MIN_FILL_SECS: u64 = 3;
/// A form older than this is made again (its time is no longer a useful check).
const MAX_FORM_AGE_SECS: u64 = 24 * 60 * 60;
/// Signs the form's time, so a script cannot send an old one it did not get from us. A key per process: a
/// form opened before a restart is shown again to be sent once more, nothing lost.
static FORM_KEY: LazyLock<[u8; 32]> = LazyLock::new(|| {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    key
});

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// `time.signature`: the key comes first and the time is fixed-format digits, so SHA-256 over both is a MAC here.
pub fn stamp(at: u64) -> String {
    let mac: String = Sha256::new().chain_update(*FORM_KEY).chain_update(at.to_string()).finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{at}.{mac}")
}

/// The time a stamp was made, if it is ours.
fn stamped_at(text: &str) -> Option<u64> {
    let (at, _) = text.split_once('.')?;
    let at: u64 = at.parse().ok()?;
    (stamp(at) == text).then_some(at)
}

/// A script's marks: the hidden field filled, or the form sent too soon or without a time we made.
pub fn screen_form(pairs: &[(String, String)]) -> Vec<(&'static str, Text)> {
    let mut errors = Vec::new();
    if !crate::web::form_value(pairs, "homepage").is_empty() {
        errors.push((
            "form",
            Text::new(
                "无法接受这次提交。请不要填写隐藏的字段。",
                "This submission cannot be accepted. Leave the hidden field empty.",
            ),
        ));
    }
    match stamped_at(&crate::web::form_value(pairs, "stamp")) {
        Some(at) if now().saturating_sub(at) < MIN_FILL_SECS => errors.push((
            "form",
            Text::new(
                "提交得太快了。请检查内容后再提交一次。",
                "That was sent very quickly. Check what you wrote and send it again.",
            ),
        )),
        Some(at) if now().saturating_sub(at) <= MAX_FORM_AGE_SECS => {}
        _ => errors.push((
            "form",
            Text::new(
                "这个表单已过期。您填写的内容保留在下面，请再提交一次。",
                "This form has expired. What you wrote is kept below; send it again.",
            ),
        )),
    }
    errors
}

/// What the per-address limit counts by: an IPv4 address, or an IPv6 address's /64 (one subscriber's network,
/// whose addresses a sender can change at will).
pub fn limit_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ipv6_sender_is_limited_by_its_network() {
        assert_eq!(super::limit_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(super::limit_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(super::limit_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(super::limit_key("unknown"), "unknown");
    }

    use super::*;

    #[test]
    fn a_stamp_is_ours_or_nothing() {
        let s = stamp(1_700_000_000);
        assert_eq!(stamped_at(&s), Some(1_700_000_000));
        assert_eq!(stamped_at(&s.replace("1700000000", "1600000000")), None, "an older time with our signature");
        assert_eq!(stamped_at("1700000000.00"), None);
        assert_eq!(stamped_at(""), None);
    }
}
