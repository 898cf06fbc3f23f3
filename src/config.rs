//! Run-time settings from the environment. Every parse error names its variable.

use chrono::Duration;

/// Settings that shape the server's behaviour.
#[derive(Debug, Clone)]
pub struct Config {
    /// Served over TLS by a proxy in front: Secure `__Host-` cookies and HSTS.
    pub behind_tls: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy).
    pub trust_proxy: bool,
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            behind_tls: false,
            trust_proxy: false,
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 32 * 1024 * 1024,
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            login_window: Duration::minutes(15),
            hash_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
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

impl Config {
    /// Reads `ONCOTRACK_*` variables over the defaults.
    pub fn from_env() -> Result<Config, ConfigError> {
        let d = Config::default();
        Ok(Config {
            behind_tls: bool_var("ONCOTRACK_BEHIND_TLS", false)?,
            trust_proxy: bool_var("ONCOTRACK_TRUST_PROXY", false)?,
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
            ..d
        })
    }
}
