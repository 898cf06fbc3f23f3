//! Run-time settings from the environment. Every parse error names its variable.

use chrono::Duration;

/// Settings that shape the server's behaviour.
#[derive(Debug, Clone)]
pub struct Config {
    /// Served over TLS by a proxy in front: Secure `__Host-` cookies and HSTS.
    pub behind_tls: bool,
    /// How many proxies in front of the server append to `X-Forwarded-For`
    /// (0: none, the socket's peer is the client).
    pub trust_proxy: u8,
    /// Sessions end after this long without a request.
    pub session_idle: Duration,
    /// Sessions end this long after sign-in.
    pub session_absolute: Duration,
    /// Largest request body for forms and JSON.
    pub max_body_bytes: usize,
    /// Largest CSV upload.
    pub max_upload_bytes: usize,
    /// Failed sign-ins for one account before it is throttled.
    pub login_failures_per_account: usize,
    /// Failed sign-ins from one address before it is throttled.
    pub login_failures_per_address: usize,
    /// The window both limits count in.
    pub login_window: Duration,
    /// How many password hashes run at once.
    pub hash_concurrency: usize,
    /// Where e-mail goes; without it messages are shown in the app only.
    pub mail: Option<MailSettings>,
    /// The origin people reach the server at (`https://oncotrack.example.se`),
    /// for links that leave the site such as verification QR codes; when
    /// unset, each request's `Host` is used.
    pub public_url: Option<String>,
    /// The bearer token `/metrics` asks for; without one, only requests
    /// from the machine itself (a loopback address) are answered.
    pub metrics_token: Option<String>,
    /// Sign-in through the region's identity provider (OpenID Connect).
    pub oidc: Option<OidcSettings>,
    /// Whether local passwords sign in everyone; when off, only
    /// administrators may use one (break-glass, with their second factor).
    pub local_login: bool,
    /// Where the primary server is, for a read-only replica to name when it
    /// refuses a change.
    pub primary_url: Option<String>,
}

/// The region's identity provider and oncotrack's registration with it.
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer (`https://idp.example.se`); its discovery document is at
    /// `/.well-known/openid-configuration` below it.
    pub issuer: String,
    /// The client id oncotrack was registered with.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// The claim that carries the person's HSA-id.
    pub hsa_claim: String,
    /// The scopes asked for, `openid` first.
    pub scopes: Vec<String>,
    /// What the sign-in button calls the provider.
    pub label: String,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings get logged; the secret must not be.
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("hsa_claim", &self.hsa_claim)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The identity provider's settings from `ONCOTRACK_OIDC_*`, when an issuer
/// is set. The callback address is built on the public URL, so that must be
/// set too.
fn oidc_from_env(public_url: Option<&str>) -> Result<Option<OidcSettings>, ConfigError> {
    oidc_from(var, public_url)
}

/// [`oidc_from_env`] with the variables read by `var`.
fn oidc_from(
    var: impl Fn(&'static str) -> Option<String>,
    public_url: Option<&str>,
) -> Result<Option<OidcSettings>, ConfigError> {
    let Some(issuer) = var("ONCOTRACK_OIDC_ISSUER") else {
        return Ok(None);
    };
    // Kept as written: the provider's documents must name it exactly so.
    let issuer = issuer.trim().to_string();
    parse_public_url(&issuer).map_err(|message| ConfigError {
        variable: "ONCOTRACK_OIDC_ISSUER",
        message,
    })?;
    if public_url.is_none() {
        return Err(ConfigError {
            variable: "ONCOTRACK_OIDC_ISSUER",
            message: "needs ONCOTRACK_PUBLIC_URL, the address the provider sends people back to"
                .into(),
        });
    }
    let required = |name: &'static str| {
        var(name).map(|v| v.trim().to_string()).ok_or(ConfigError {
            variable: name,
            message: "required with ONCOTRACK_OIDC_ISSUER".into(),
        })
    };
    let mut scopes: Vec<String> = var("ONCOTRACK_OIDC_SCOPES")
        .unwrap_or_else(|| "openid email profile".into())
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    Ok(Some(OidcSettings {
        issuer,
        client_id: required("ONCOTRACK_OIDC_CLIENT_ID")?,
        client_secret: required("ONCOTRACK_OIDC_CLIENT_SECRET")?,
        hsa_claim: var("ONCOTRACK_OIDC_HSA_CLAIM")
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "employeeHsaId".into()),
        scopes,
        label: var("ONCOTRACK_OIDC_LABEL")
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "SITHS eID".into()),
    }))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            behind_tls: false,
            trust_proxy: 0,
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 32 * 1024 * 1024,
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            login_window: Duration::minutes(15),
            // Half the cores at most: a storm of sign-ins (or wrong
            // passwords) must leave the other half to everyone else.
            hash_concurrency: std::thread::available_parallelism()
                .map(|n| (n.get() / 2).max(1))
                .unwrap_or(1),
            mail: None,
            public_url: None,
            metrics_token: None,
            oidc: None,
            local_login: true,
            primary_url: None,
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn bool_var(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ConfigError {
                variable: name,
                message: format!("expected true or false, got {v:?}"),
            }),
        },
    }
}

/// The number of trusted proxies: a count from 0 to 10, or `true` (one, the
/// proxy in front) and `false` (none).
fn proxies_var(name: &'static str) -> Result<u8, ConfigError> {
    match var(name) {
        None => Ok(0),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => Ok(1),
            "false" | "no" | "off" => Ok(0),
            n => n.parse::<u8>().ok().filter(|n| *n <= 10).ok_or(ConfigError {
                variable: name,
                message: format!("expected the number of proxies in front (0 to 10), or true or false, got {v:?}"),
            }),
        },
    }
}

fn int_var(name: &'static str, default: i64, min: i64, max: i64) -> Result<i64, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError {
                variable: name,
                message: format!("expected a whole number from {min} to {max}, got {v:?}"),
            }),
        },
    }
}

/// Checks a public origin: `http://` or `https://`, a host, no spaces; the
/// trailing `/` is dropped so paths can be appended.
fn parse_public_url(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('/');
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("expected an address starting with http:// or https://, got {v:?}")
        })?;
    if rest.is_empty()
        || rest
            .chars()
            .any(|c| c.is_whitespace() || c == '?' || c == '#')
    {
        return Err(format!(
            "expected an address like https://oncotrack.example.se, got {v:?}"
        ));
    }
    Ok(v.to_string())
}

/// Both mail variables or neither: one alone is most likely a typo in the other.
fn mail_from_env() -> Result<Option<MailSettings>, ConfigError> {
    match (var("ONCOTRACK_SMTP_URL"), var("ONCOTRACK_MAIL_FROM")) {
        (None, None) => Ok(None),
        (Some(url), Some(from)) => MailSettings::new(&url, &from).map(Some),
        (Some(_), None) => Err(ConfigError {
            variable: "ONCOTRACK_MAIL_FROM",
            message: "required when ONCOTRACK_SMTP_URL is set".into(),
        }),
        (None, Some(_)) => Err(ConfigError {
            variable: "ONCOTRACK_SMTP_URL",
            message: "required when ONCOTRACK_MAIL_FROM is set".into(),
        }),
    }
}

/// The SMTP server and sender address (`ONCOTRACK_SMTP_URL`, `ONCOTRACK_MAIL_FROM`).
#[derive(Clone)]
pub struct MailSettings {
    url: String,
    from: lettre::message::Mailbox,
}

impl MailSettings {
    /// Checks both values. `url` is a lettre connection URL: `smtp://host:port`
    /// (plain, e.g. a relay on localhost), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://user:password@host` (TLS from the start).
    pub fn new(url: &str, from: &str) -> Result<MailSettings, ConfigError> {
        use lettre::{AsyncSmtpTransport, Tokio1Executor};
        // The error text never repeats the URL: it may hold a password.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim()).map_err(|e| ConfigError {
            variable: "ONCOTRACK_SMTP_URL",
            message: format!(
                "expected smtp://host:port, smtp://host:port?tls=required or smtps://user:password@host ({e})"
            ),
        })?;
        let from = from
            .trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| ConfigError {
                variable: "ONCOTRACK_MAIL_FROM",
                message: format!(
                    "expected an address such as oncotrack@region.se or \"Oncotrack <oncotrack@region.se>\" ({e})"
                ),
            })?;
        Ok(MailSettings {
            url: url.trim().to_string(),
            from,
        })
    }

    /// The connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The sender.
    pub fn from(&self) -> &lettre::message::Mailbox {
        &self.from
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings get logged; the URL's password must not be.
        let url = match url_password_span(&self.url) {
            Some((start, end)) => format!("{}***{}", &self.url[..start], &self.url[end..]),
            None => self.url.clone(),
        };
        f.debug_struct("MailSettings")
            .field("url", &url)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// Where the password sits in `scheme://user:password@host`, if there is one.
fn url_password_span(url: &str) -> Option<(usize, usize)> {
    let authority_start = url.find("://")? + 3;
    let at = authority_start + url[authority_start..].find('@')?;
    let colon = authority_start + url[authority_start..at].find(':')?;
    Some((colon + 1, at))
}

impl Config {
    /// Reads `ONCOTRACK_*` variables over the defaults.
    pub fn from_env() -> Result<Config, ConfigError> {
        let d = Config::default();
        let public_url = var("ONCOTRACK_PUBLIC_URL")
            .map(|v| parse_public_url(&v))
            .transpose()
            .map_err(|message| ConfigError {
                variable: "ONCOTRACK_PUBLIC_URL",
                message,
            })?;
        Ok(Config {
            behind_tls: bool_var("ONCOTRACK_BEHIND_TLS", false)?,
            trust_proxy: proxies_var("ONCOTRACK_TRUST_PROXY")?,
            session_idle: Duration::minutes(int_var(
                "ONCOTRACK_SESSION_IDLE_MINUTES",
                30,
                1,
                24 * 60,
            )?),
            session_absolute: Duration::hours(int_var(
                "ONCOTRACK_SESSION_MAX_HOURS",
                12,
                1,
                24 * 30,
            )?),
            max_upload_bytes: usize::try_from(int_var("ONCOTRACK_MAX_UPLOAD_MB", 32, 1, 1024)?)
                .unwrap_or(32)
                * 1024
                * 1024,
            oidc: oidc_from_env(public_url.as_deref())?,
            local_login: bool_var("ONCOTRACK_LOCAL_LOGIN", true)?,
            primary_url: var("ONCOTRACK_PRIMARY_URL")
                .map(|v| parse_public_url(&v))
                .transpose()
                .map_err(|message| ConfigError {
                    variable: "ONCOTRACK_PRIMARY_URL",
                    message,
                })?,
            public_url,
            metrics_token: var("ONCOTRACK_METRICS_TOKEN")
                .map(|t| {
                    let t = t.trim().to_string();
                    if t.len() < 16 {
                        Err(ConfigError {
                            variable: "ONCOTRACK_METRICS_TOKEN",
                            message: "at least 16 characters".into(),
                        })
                    } else {
                        Ok(t)
                    }
                })
                .transpose()?,
            mail: mail_from_env()?,
            ..d
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_needs_its_client_and_the_public_url() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &'static str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(matches!(oidc_from(vars(&[]), None), Ok(None)));
        let full: &'static [(&str, &str)] = &[
            ("ONCOTRACK_OIDC_ISSUER", "https://idp.region.example/"),
            ("ONCOTRACK_OIDC_CLIENT_ID", "oncotrack"),
            ("ONCOTRACK_OIDC_CLIENT_SECRET", "s3cret"),
            ("ONCOTRACK_OIDC_SCOPES", "email profile"),
        ];
        let err = oidc_from(vars(full), None).expect_err("no public url");
        assert!(err.message.contains("ONCOTRACK_PUBLIC_URL"), "{err}");
        let s = oidc_from(vars(full), Some("https://onco.example"))
            .expect("settings")
            .expect("some");
        // The issuer is kept as written: the provider must name it so.
        assert_eq!(s.issuer, "https://idp.region.example/");
        assert_eq!(s.scopes, ["openid", "email", "profile"]);
        assert_eq!(s.hsa_claim, "employeeHsaId");
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "the secret is not logged"
        );
        let err = oidc_from(vars(&full[..2]), Some("https://onco.example")).expect_err("no secret");
        assert_eq!(err.variable, "ONCOTRACK_OIDC_CLIENT_SECRET");
        let err = oidc_from(
            vars(&[("ONCOTRACK_OIDC_ISSUER", "idp.example")]),
            Some("https://o.example"),
        )
        .expect_err("no scheme");
        assert_eq!(err.variable, "ONCOTRACK_OIDC_ISSUER");
    }

    #[test]
    fn public_url_needs_a_scheme_and_a_host() {
        assert_eq!(
            parse_public_url(" https://onco.example.se/ "),
            Ok("https://onco.example.se".to_string())
        );
        assert_eq!(
            parse_public_url("http://localhost:8080"),
            Ok("http://localhost:8080".to_string())
        );
        assert!(parse_public_url("onco.example.se").is_err());
        assert!(parse_public_url("ftp://onco.example.se").is_err());
        assert!(parse_public_url("https://").is_err());
        assert!(parse_public_url("https://a b").is_err());
    }
}

#[cfg(test)]
mod mail_tests {
    use super::*;

    #[test]
    fn mail_settings_name_the_variable_at_fault() {
        let e = MailSettings::new("ftp://mail.example", "a@example.se").err();
        assert_eq!(e.map(|e| e.variable), Some("ONCOTRACK_SMTP_URL"));
        let e = MailSettings::new("smtp://localhost:2525", "not an address").err();
        assert_eq!(e.map(|e| e.variable), Some("ONCOTRACK_MAIL_FROM"));
        assert!(MailSettings::new("smtp://localhost:2525", "Oncotrack <ot@example.se>").is_ok());
    }

    #[test]
    fn mail_settings_never_show_the_password() {
        let s = MailSettings::new("smtps://user:hemligt@mail.example.se", "ot@example.se")
            .expect("valid");
        let shown = format!("{s:?}");
        assert!(!shown.contains("hemligt"), "{shown}");
        assert!(
            shown.contains("smtps://user:***@mail.example.se"),
            "{shown}"
        );
    }
}
