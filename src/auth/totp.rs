//! The second factor of a local account: time-based one-time codes (RFC
//! 6238 as authenticator apps make them: SHA-1, six digits, 30-second
//! steps, one step either side for a clock that drifts) and one-time
//! recovery codes for a lost phone. A code is taken once: the step of the
//! last code taken is kept, and only a later step is taken after it.

use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// Digits of a code.
const DIGITS: usize = 6;
/// Seconds a code lives.
const STEP: u64 = 30;
/// Steps either side of now that are accepted.
const SKEW: u8 = 1;
/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;
/// Who the authenticator app says the code is for.
const ISSUER: &str = "oncotrack";

/// A new secret: 160 random bits, base32 as apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    // `new_unchecked`: the secret is ours (160 bits); the account name may
    // hold characters the checked constructor refuses (`:`).
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        SKEW,
        STEP,
        bytes,
        Some(ISSUER.to_string()),
        account.replace(':', " "),
    ))
}

/// The `otpauth://` address an authenticator app reads (as a QR code or
/// pasted) for `secret` and the account `email`.
pub fn otpauth_uri(secret: &str, email: &str) -> Option<String> {
    totp(secret, email).map(|t| t.get_url())
}

/// The step a typed `code` belongs to when it is right within one step of
/// `now` (Unix seconds) and later than `last_step`, the step of the last
/// code taken; `None` otherwise (wrong, too old, or used).
pub fn accepted_step(secret: &str, code: &str, now: u64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "")?;
    let current = (now / STEP) as i64;
    (current - i64::from(SKEW)..=current + i64::from(SKEW))
        .filter(|step| *step > last_step && *step >= 0)
        .find(|step| same(&t.generate(*step as u64 * STEP), &code))
}

/// The code an authenticator app with `secret` shows at `now` (Unix
/// seconds).
pub fn code_at(secret: &str, now: u64) -> Option<String> {
    totp(secret, "").map(|t| t.generate(now))
}

/// Equal strings, compared in time that does not depend on where they
/// differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Whether what was typed is shaped like a code from the app (six digits)
/// rather than a recovery code.
pub fn looks_like_code(typed: &str) -> bool {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit())
}

/// Letters of recovery codes: no 0/o, 1/l/i to misread.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// New recovery codes, `xxxx-xxxx-xxxx` (about 70 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..12)
                .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
                .collect();
            format!(
                "{}-{}-{}",
                chars[..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..].iter().collect::<String>()
            )
        })
        .collect()
}

/// A recovery code as typed, as it is hashed: lower case, without spaces
/// and dashes.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 secret, "12345678901234567890", in base32.
    fn rfc_secret() -> String {
        Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string()
    }

    #[test]
    fn codes_are_the_rfcs_six_last_digits() {
        let s = rfc_secret();
        // RFC 6238 appendix B: 94287082 at 59 s, 07081804 at 1111111109 s.
        assert_eq!(accepted_step(&s, "287082", 59, 0), Some(1));
        assert_eq!(
            accepted_step(&s, "081804", 1_111_111_109, 0),
            Some(37_037_036)
        );
        assert_eq!(accepted_step(&s, "287083", 59, 0), None);
    }

    #[test]
    fn one_step_either_side_is_accepted_and_a_step_is_taken_once() {
        let s = rfc_secret();
        // The code of step 1 (30..60 s) is good from 0 s to 89 s.
        assert_eq!(accepted_step(&s, "287082", 89, 0), Some(1));
        assert_eq!(accepted_step(&s, "287082", 90, 0), None);
        // Taken once: after step 1 was taken, the same code is refused.
        assert_eq!(accepted_step(&s, "287082", 59, 1), None);
        // Typed with a space, as apps show it.
        assert_eq!(accepted_step(&s, "287 082", 59, 0), Some(1));
        assert_eq!(accepted_step(&s, "28708", 59, 0), None);
        assert_eq!(accepted_step(&s, "28708a", 59, 0), None);
    }

    #[test]
    fn the_uri_names_the_account_and_the_issuer() {
        let uri = otpauth_uri(&rfc_secret(), "ada@region.example").expect("uri");
        assert!(
            uri.starts_with("otpauth://totp/oncotrack:ada%40region.example?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", rfc_secret())), "{uri}");
        assert!(uri.contains("issuer=oncotrack"), "{uri}");
    }

    #[test]
    fn recovery_codes_are_many_distinct_and_read_back_as_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 14 && !looks_like_code(c)));
        assert_eq!(normalise_recovery_code(" ABCD-efgh-2345 "), "abcdefgh2345");
        assert!(looks_like_code("123 456"));
        assert_eq!(new_secret().len(), 32);
    }
}
