//! Roles, scopes, who may see what, and the password rules. No I/O.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::i18n::Msg;
use crate::msg;

/// A role an account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Accounts, roles, organisation, licence types, agreements.
    Admin,
    /// Runs the course catalogue and offerings.
    Coordinator,
    /// Plans ST-doctor rotations.
    StudyDirector,
    /// Audits a unit, an administration or a region.
    Manager,
    /// Volunteers to teach.
    Lecturer,
    /// Sees their own records.
    Staff,
    /// Reads the quality indicator for every region and imports extracts.
    QualityAnalyst,
    /// Runs a council's meetings, consultation rounds and nominations.
    CouncilSecretary,
    /// Sits on a council and sees its work.
    CouncilMember,
}

impl Role {
    /// Every role, in the order pages list them.
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Coordinator,
        Role::StudyDirector,
        Role::Manager,
        Role::Lecturer,
        Role::Staff,
        Role::QualityAnalyst,
        Role::CouncilSecretary,
        Role::CouncilMember,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::StudyDirector => "study_director",
            Role::Manager => "manager",
            Role::Lecturer => "lecturer",
            Role::Staff => "staff",
            Role::QualityAnalyst => "quality_analyst",
            Role::CouncilSecretary => "council_secretary",
            Role::CouncilMember => "council_member",
        }
    }

    /// Parses a stored name, also accepting a few everyday spellings.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim().to_lowercase().replace('-', "_").as_str() {
            "admin" | "administrator" | "administratör" => Role::Admin,
            "coordinator" | "course_coordinator" | "koordinator" => Role::Coordinator,
            "study_director" | "studierektor" => Role::StudyDirector,
            "manager" | "chef" => Role::Manager,
            "lecturer" | "föreläsare" => Role::Lecturer,
            "staff" | "medarbetare" => Role::Staff,
            "quality_analyst" | "kvalitetsanalytiker" | "analyst" => Role::QualityAnalyst,
            "council_secretary" | "sekreterare" | "mötessekreterare" => Role::CouncilSecretary,
            "council_member" | "ledamot" | "rådsledamot" => Role::CouncilMember,
            _ => return None,
        })
    }

    /// Catalogue key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Coordinator => "role.coordinator",
            Role::StudyDirector => "role.study_director",
            Role::Manager => "role.manager",
            Role::Lecturer => "role.lecturer",
            Role::Staff => "role.staff",
            Role::QualityAnalyst => "role.quality_analyst",
            Role::CouncilSecretary => "role.council_secretary",
            Role::CouncilMember => "role.council_member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a manager's role covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// One unit.
    Unit(i64),
    /// Every unit of an administration.
    Administration(i64),
    /// Every unit of a region.
    Region(i64),
}

impl Scope {
    /// `(kind, id)` as stored.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Scope::Unit(id) => ("unit", id),
            Scope::Administration(id) => ("administration", id),
            Scope::Region(id) => ("region", id),
        }
    }

    /// Rebuilds a scope from its stored parts.
    pub fn from_parts(kind: &str, id: i64) -> Option<Scope> {
        match kind {
            "unit" => Some(Scope::Unit(id)),
            "administration" => Some(Scope::Administration(id)),
            "region" => Some(Scope::Region(id)),
            _ => None,
        }
    }
}

/// One role with its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Set for managers only.
    pub scope: Option<Scope>,
}

/// Which units' people a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitFilter {
    /// Every unit.
    All,
    /// Only these units (possibly none); everyone also sees their own record.
    Only(Vec<i64>),
}

impl UnitFilter {
    /// True when rows of `unit_id` are visible.
    pub fn allows(&self, unit_id: i64) -> bool {
        match self {
            UnitFilter::All => true,
            UnitFilter::Only(ids) => ids.contains(&unit_id),
        }
    }
}

/// The signed-in account, with its roles and the units its manager roles cover.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    /// Account id.
    pub account_id: i64,
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The person record this account belongs to, when linked.
    pub person_id: Option<i64>,
    /// The user's chosen language, if any.
    pub language: Option<crate::i18n::Lang>,
    /// Roles held.
    pub grants: Vec<Grant>,
    /// Units covered by the manager grants, resolved from their scopes.
    pub managed_units: Vec<i64>,
}

impl Principal {
    /// True when the account holds `role` (in any scope).
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// True when the account holds any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// Administrators.
    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// The units whose people this user may read. Administrators, coordinators
    /// (who enrol and record for anyone) and study directors see everyone;
    /// managers see their scope; everyone else only themselves.
    pub fn people_filter(&self) -> UnitFilter {
        if self.has_any(&[Role::Admin, Role::Coordinator, Role::StudyDirector]) {
            UnitFilter::All
        } else {
            UnitFilter::Only(self.managed_units.clone())
        }
    }

    /// True when this user may read the person `person_id` who works in `unit_id`.
    pub fn may_see_person(&self, person_id: i64, unit_id: i64) -> bool {
        self.person_id == Some(person_id) || self.people_filter().allows(unit_id)
    }

    /// True when the user may browse staff lists at all.
    pub fn may_list_people(&self) -> bool {
        self.people_filter() != UnitFilter::Only(Vec::new())
    }
}

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    TooLong,
    /// The strength estimator's verdict, with its reason.
    Weak(Weakness),
}

impl PasswordProblem {
    /// What the user is told.
    pub fn message(self) -> Msg {
        match self {
            PasswordProblem::TooShort => {
                msg!("accounts.password_too_short", min = MIN_PASSWORD_CHARS)
            }
            PasswordProblem::TooLong => {
                msg!("accounts.password_too_long", max = MAX_PASSWORD_CHARS)
            }
            PasswordProblem::Weak(w) => {
                msg!("accounts.password_weak", reason = Msg::new(w.label_key()))
            }
        }
    }
}

/// Why the strength estimator (zxcvbn) finds a password easy to guess: its
/// warnings, under our own names so that the reason is shown in the page's
/// language (zxcvbn only speaks English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// `qwertyuiop`.
    StraightRowOfKeys,
    /// `qwe`, `zxc`.
    ShortKeyboardPattern,
    /// `aaa`.
    RepeatedCharacters,
    /// `abcabcabc`.
    RepeatedPattern,
    /// One of the ten most common passwords.
    Top10,
    /// One of the hundred most common passwords.
    Top100,
    /// A very common password.
    Common,
    /// Close to a common password (`p@ssw0rd`).
    SimilarToCommon,
    /// `abc`, `6543`.
    Sequence,
    /// A recent year.
    RecentYear,
    /// A single word.
    SingleWord,
    /// A date.
    Date,
    /// A name or surname on its own.
    Name,
    /// A common name or surname.
    CommonName,
    /// The estimator gave no warning: a pattern it could guess all the same.
    Predictable,
}

impl Weakness {
    /// The reason for zxcvbn's warning, if it gave one.
    pub fn from_warning(warning: Option<zxcvbn::feedback::Warning>) -> Weakness {
        use zxcvbn::feedback::Warning as W;
        match warning {
            Some(W::StraightRowsOfKeysAreEasyToGuess) => Weakness::StraightRowOfKeys,
            Some(W::ShortKeyboardPatternsAreEasyToGuess) => Weakness::ShortKeyboardPattern,
            Some(W::RepeatsLikeAaaAreEasyToGuess) => Weakness::RepeatedCharacters,
            Some(W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => Weakness::RepeatedPattern,
            Some(W::ThisIsATop10Password) => Weakness::Top10,
            Some(W::ThisIsATop100Password) => Weakness::Top100,
            Some(W::ThisIsACommonPassword) => Weakness::Common,
            Some(W::ThisIsSimilarToACommonlyUsedPassword) => Weakness::SimilarToCommon,
            Some(W::SequencesLikeAbcAreEasyToGuess) => Weakness::Sequence,
            Some(W::RecentYearsAreEasyToGuess) => Weakness::RecentYear,
            Some(W::AWordByItselfIsEasyToGuess) => Weakness::SingleWord,
            Some(W::DatesAreOftenEasyToGuess) => Weakness::Date,
            Some(W::NamesAndSurnamesByThemselvesAreEasyToGuess) => Weakness::Name,
            Some(W::CommonNamesAndSurnamesAreEasyToGuess) => Weakness::CommonName,
            None => Weakness::Predictable,
        }
    }

    /// Catalogue key of the reason.
    pub fn label_key(self) -> &'static str {
        match self {
            Weakness::StraightRowOfKeys => "accounts.weak_straight_row",
            Weakness::ShortKeyboardPattern => "accounts.weak_keyboard_pattern",
            Weakness::RepeatedCharacters => "accounts.weak_repeated_characters",
            Weakness::RepeatedPattern => "accounts.weak_repeated_pattern",
            Weakness::Top10 => "accounts.weak_top10",
            Weakness::Top100 => "accounts.weak_top100",
            Weakness::Common => "accounts.weak_common",
            Weakness::SimilarToCommon => "accounts.weak_similar_to_common",
            Weakness::Sequence => "accounts.weak_sequence",
            Weakness::RecentYear => "accounts.weak_recent_year",
            Weakness::SingleWord => "accounts.weak_single_word",
            Weakness::Date => "accounts.weak_date",
            Weakness::Name => "accounts.weak_name",
            Weakness::CommonName => "accounts.weak_common_name",
            Weakness::Predictable => "accounts.weak_predictable",
        }
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted; argon2 would take more, but nobody types more.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks length and strength. `context` holds words the guesser should try
/// first (the user's e-mail and name).
pub fn check_password(password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    if (estimate.score() as u8) < 3 {
        let warning = estimate.feedback().and_then(|f| f.warning());
        return Err(PasswordProblem::Weak(Weakness::from_warning(warning)));
    }
    Ok(())
}

/// What a manager's scope is written with: `unit:ONK51`,
/// `administration:NU-sjukvården`, `region:3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// A unit, by code or id.
    Unit,
    /// An administration, by name or id.
    Administration,
    /// A region, by name or id.
    Region,
}

impl ScopeKind {
    /// Reads the kind as typed, in English or Swedish.
    pub fn parse(s: &str) -> Option<ScopeKind> {
        match s.trim().to_lowercase().as_str() {
            "unit" | "enhet" => Some(ScopeKind::Unit),
            "administration" | "förvaltning" => Some(ScopeKind::Administration),
            "region" => Some(ScopeKind::Region),
            _ => None,
        }
    }

    /// The scope of this kind on row `id`.
    pub fn scope(self, id: i64) -> Scope {
        match self {
            ScopeKind::Unit => Scope::Unit(id),
            ScopeKind::Administration => Scope::Administration(id),
            ScopeKind::Region => Scope::Region(id),
        }
    }

    /// Catalogue key of the kind's name (lower case, as inside a sentence).
    pub fn label_key(self) -> &'static str {
        match self {
            ScopeKind::Unit => "accounts.scope_unit",
            ScopeKind::Administration => "accounts.scope_administration",
            ScopeKind::Region => "accounts.scope_region",
        }
    }
}

impl Scope {
    /// What the scope covers.
    pub fn kind(self) -> ScopeKind {
        match self {
            Scope::Unit(_) => ScopeKind::Unit,
            Scope::Administration(_) => ScopeKind::Administration,
            Scope::Region(_) => ScopeKind::Region,
        }
    }
}

/// A role as typed (`staff`, `manager:unit:ONK51`), before its scope's
/// name is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    /// The role.
    pub role: Role,
    /// For managers: the kind of scope and the code, name or id typed.
    pub scope: Option<(ScopeKind, String)>,
}

/// Why a typed role or scope is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantProblem {
    /// No role has this name.
    UnknownRole(String),
    /// A manager without a scope.
    ManagerNeedsScope,
    /// A scope for a role that covers everyone.
    TakesNoScope(Role),
    /// A scope without its `kind:`.
    ScopeShape(String),
    /// A scope kind that is not unit, administration or region.
    UnknownScopeKind(String),
    /// No unit, administration or region matches.
    NoMatch(ScopeKind, String),
    /// Several match; the id tells them apart.
    Ambiguous(String),
}

impl GrantProblem {
    /// What the user is told.
    pub fn message(&self) -> Msg {
        match self {
            GrantProblem::UnknownRole(role) => msg!("accounts.error_unknown_role", role),
            GrantProblem::ManagerNeedsScope => msg!("accounts.error_manager_needs_scope"),
            GrantProblem::TakesNoScope(role) => {
                msg!(
                    "accounts.error_takes_no_scope",
                    role = Msg::new(role.label_key())
                )
            }
            GrantProblem::ScopeShape(scope) => msg!("accounts.error_scope_shape", scope),
            GrantProblem::UnknownScopeKind(kind) => msg!("accounts.error_scope_kind", kind),
            GrantProblem::NoMatch(kind, value) => msg!(
                "accounts.error_scope_no_match",
                kind = Msg::new(kind.label_key()),
                value
            ),
            GrantProblem::Ambiguous(value) => msg!("accounts.error_scope_ambiguous", value),
        }
    }
}

/// Reads a scope written as `unit:CODE`, `administration:NAME-OR-ID` or
/// `region:NAME-OR-ID`.
pub fn parse_scope(text: &str) -> Result<(ScopeKind, String), GrantProblem> {
    let Some((kind, value)) = text.trim().split_once(':') else {
        return Err(GrantProblem::ScopeShape(text.trim().to_string()));
    };
    let kind = ScopeKind::parse(kind)
        .ok_or_else(|| GrantProblem::UnknownScopeKind(kind.trim().to_lowercase()))?;
    Ok((kind, value.trim().to_string()))
}

/// Reads `ROLE[:SCOPE]`, e.g. `staff` or `manager:unit:ONK51`: managers
/// need a scope, the other roles take none.
pub fn parse_grant(text: &str) -> Result<GrantRequest, GrantProblem> {
    let (role_text, scope_text) = match text.trim().split_once(':') {
        Some((r, s)) => (r, Some(s)),
        None => (text.trim(), None),
    };
    let role = Role::parse(role_text)
        .ok_or_else(|| GrantProblem::UnknownRole(role_text.trim().to_string()))?;
    let scope = match (role, scope_text) {
        (Role::Manager, Some(s)) => Some(parse_scope(s)?),
        (Role::Manager, None) => return Err(GrantProblem::ManagerNeedsScope),
        (_, Some(_)) => return Err(GrantProblem::TakesNoScope(role)),
        (_, None) => None,
    };
    Ok(GrantRequest { role, scope })
}

/// The form's role and scope fields as one `ROLE[:SCOPE]`.
pub fn grant_text(role: &str, scope: &str) -> String {
    match scope.trim() {
        "" => role.to_string(),
        scope => format!("{role}:{scope}"),
    }
}

/// The scope `value` names, given the rows of `kind` that match it.
pub fn pick_scope(kind: ScopeKind, value: &str, found: &[i64]) -> Result<Scope, GrantProblem> {
    match found {
        [id] => Ok(kind.scope(*id)),
        [] => Err(GrantProblem::NoMatch(kind, value.to_string())),
        _ => Err(GrantProblem::Ambiguous(value.to_string())),
    }
}

/// Why an account's sign-in cannot be turned off.
pub fn check_active_change(by: Option<i64>, account: i64, active: bool) -> Result<(), Msg> {
    if !active && by == Some(account) {
        // Someone must be left who can turn it back on.
        return Err(msg!("accounts.error_deactivate_self"));
    }
    Ok(())
}

/// How failed sign-ins slow the next: per account *and* address, so that
/// one who guesses from elsewhere never shuts out the rightful user at
/// their own computer; and per address across accounts, against one who
/// tries many accounts.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Failures for one account from one address before the waits start.
    pub per_account: usize,
    /// Failures from one address (any account) in the window before it waits.
    pub per_address: usize,
    /// The window failures count in; also the longest wait.
    pub window: Duration,
}

/// The first wait, after `per_account` failures; each failure after doubles it.
const FIRST_WAIT_SECONDS: i64 = 30;

impl Throttle {
    /// The limits the configuration sets.
    pub fn of(config: &crate::config::Config) -> Throttle {
        Throttle {
            per_account: config.login_failures_per_account,
            per_address: config.login_failures_per_address,
            window: config.login_window,
        }
    }

    /// Seconds until the account may try again from this address, given
    /// the failures (RFC 3339, oldest first) for the account from this
    /// address and from this address for any account, in the window;
    /// `None` when it may now.
    pub fn wait(
        &self,
        by_pair: &[String],
        by_address: &[String],
        now: DateTime<Utc>,
    ) -> Option<u64> {
        self.growing_wait(by_pair, now)
            .into_iter()
            .chain(retry_after(by_address, self.per_address, self.window, now))
            .max()
    }

    /// From the `per_account`th failure on, a wait after the last one that
    /// doubles with each failure (30 s, 1 min, 2 min, ...), never longer
    /// than the window.
    fn growing_wait(&self, failures: &[String], now: DateTime<Utc>) -> Option<u64> {
        if self.per_account == 0 || failures.len() < self.per_account {
            return None;
        }
        let doublings = (failures.len() - self.per_account).min(20) as u32;
        let wait =
            Duration::seconds(FIRST_WAIT_SECONDS.saturating_mul(1 << doublings)).min(self.window);
        let last = DateTime::parse_from_rfc3339(failures.last()?)
            .ok()?
            .with_timezone(&Utc);
        let left = (last + wait - now).num_seconds();
        (left > 0).then_some(left as u64)
    }

    /// Whether the failure just counted is the one that starts the waits
    /// (the account holder is told of it, once).
    pub fn just_closed(&self, by_pair_after: usize) -> bool {
        self.per_account > 0 && by_pair_after == self.per_account
    }
}

/// Seconds until a throttle opens again: the failure that must age out first,
/// plus the window, minus now.
fn retry_after(
    failures: &[String],
    limit: usize,
    window: Duration,
    now: DateTime<Utc>,
) -> Option<u64> {
    if failures.len() < limit || limit == 0 {
        return None;
    }
    let pivot = &failures[failures.len() - limit];
    let at = DateTime::parse_from_rfc3339(pivot)
        .ok()?
        .with_timezone(&Utc);
    Some(((at + window - now).num_seconds()).max(1) as u64)
}

/// How a user signed in, as the session keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInMethod {
    /// A local password alone.
    #[default]
    Password,
    /// A local password and a code from the authenticator app.
    PasswordTotp,
    /// A local password and a recovery code.
    PasswordRecovery,
    /// The region's identity provider.
    Oidc,
}

impl SignInMethod {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::PasswordTotp => "password+totp",
            SignInMethod::PasswordRecovery => "password+recovery",
            SignInMethod::Oidc => "oidc",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<SignInMethod> {
        [
            SignInMethod::Password,
            SignInMethod::PasswordTotp,
            SignInMethod::PasswordRecovery,
            SignInMethod::Oidc,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// Catalogue key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            SignInMethod::Password => "account.method_password",
            SignInMethod::PasswordTotp => "account.method_password_totp",
            SignInMethod::PasswordRecovery => "account.method_password_recovery",
            SignInMethod::Oidc => "account.method_oidc",
        }
    }

    /// Whether a second factor (or the provider, which has its own) was used.
    pub fn strong(self) -> bool {
        self != SignInMethod::Password
    }
}

/// Whether an account must set up a second factor before it does anything
/// else: administrators who signed in with a password alone.
pub fn must_enrol_second_factor(user: &Principal, method: SignInMethod) -> bool {
    user.has(Role::Admin) && !method.strong()
}

/// What an API token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenScope {
    /// Whatever its account's roles allow.
    All,
    /// Reading only (GET).
    Read,
    /// Only these endpoints (by [`ENDPOINTS`] name), reading and writing as
    /// the endpoint does.
    Endpoints(Vec<String>),
}

/// Endpoints a token can be limited to: `(name, path prefix)`.
pub const ENDPOINTS: &[(&str, &str)] = &[
    ("status", "/api/v1/licences/status"),
    ("licences", "/api/v1/licences"),
    ("people", "/api/v1/people"),
    ("units", "/api/v1/units"),
    ("compliance", "/api/v1/compliance"),
    ("courses", "/api/v1/courses"),
    ("offerings", "/api/v1/offerings"),
    ("enrolments", "/api/v1/enrolments"),
    ("sessions", "/api/v1/sessions"),
    ("signups", "/api/v1/signups"),
    ("rotations", "/api/v1/rotations"),
    ("quality", "/api/v1/quality"),
];

impl TokenScope {
    /// Reads a stored or typed scope: `all`, `read`, or endpoint names
    /// separated by spaces or commas. `None` names the unknown one.
    pub fn parse(text: &str) -> Result<TokenScope, String> {
        let t = text.trim();
        match t {
            "" | "all" => Ok(TokenScope::All),
            "read" => Ok(TokenScope::Read),
            _ => {
                let mut names = Vec::new();
                for n in t.split([' ', ',']).filter(|n| !n.is_empty()) {
                    if !ENDPOINTS.iter().any(|(e, _)| *e == n) {
                        return Err(n.to_string());
                    }
                    if !names.iter().any(|x| x == n) {
                        names.push(n.to_string());
                    }
                }
                Ok(TokenScope::Endpoints(names))
            }
        }
    }

    /// As stored.
    pub fn as_stored(&self) -> String {
        match self {
            TokenScope::All => "all".into(),
            TokenScope::Read => "read".into(),
            TokenScope::Endpoints(names) => names.join(" "),
        }
    }

    /// Whether a request of `method` to `path` is within the scope.
    pub fn allows(&self, method: &axum::http::Method, path: &str) -> bool {
        match self {
            TokenScope::All => true,
            TokenScope::Read => {
                method == axum::http::Method::GET || method == axum::http::Method::HEAD
            }
            TokenScope::Endpoints(names) => names.iter().any(|n| {
                ENDPOINTS.iter().any(|(e, prefix)| {
                    e == n
                        && path.strip_prefix(prefix).is_some_and(|rest| {
                            rest.is_empty() || rest.starts_with(['/', '?', '.'])
                        })
                })
            }),
        }
    }
}

/// A token's limits as created: the last day it works and its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLimits {
    /// The last day (Europe/Stockholm); `None` for no end.
    pub expires_on: Option<chrono::NaiveDate>,
    /// What it may do.
    pub scope: TokenScope,
}

impl Default for TokenLimits {
    fn default() -> Self {
        TokenLimits {
            expires_on: None,
            scope: TokenScope::All,
        }
    }
}

/// The longest a token may live: a year and a day.
pub const TOKEN_MAX_DAYS: i64 = 366;

/// Checks a token's end day: not before today, at most a year ahead.
pub fn check_token_expiry(
    expires_on: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Result<(), Msg> {
    match expires_on {
        Some(d) if d < today => Err(msg!("tokens.error_expiry_past")),
        Some(d) if (d - today).num_days() > TOKEN_MAX_DAYS => {
            Err(msg!("tokens.error_expiry_far", days = TOKEN_MAX_DAYS))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_limits() {
        assert_eq!(
            check_password("Kort1!", &[]),
            Err(PasswordProblem::TooShort)
        );
        let long = "x".repeat(129);
        assert_eq!(check_password(&long, &[]), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(matches!(
            check_password("password1234", &[]),
            Err(PasswordProblem::Weak(_))
        ));
        assert!(matches!(
            check_password("anna.berg@example.se", &["anna.berg@example.se"]),
            Err(PasswordProblem::Weak(_))
        ));
    }

    #[test]
    fn strong_passphrase_is_accepted() {
        assert_eq!(check_password("korvgubbe-Tändsticka-hylla-97", &[]), Ok(()));
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Studierektor"), Some(Role::StudyDirector));
    }

    #[test]
    fn password_problems_are_told_in_the_readers_language() {
        use crate::i18n::Lang;
        let short = PasswordProblem::TooShort.message();
        assert_eq!(short.render(Lang::Sv), "minst 12 tecken");
        assert_eq!(short.render(Lang::En), "at least 12 characters");
        let Err(weak) = check_password("password1234", &[]) else {
            panic!("weak");
        };
        let (sv, en) = (
            weak.message().render(Lang::Sv),
            weak.message().render(Lang::En),
        );
        assert!(sv.starts_with("för lätt att gissa: "), "{sv}");
        assert!(en.starts_with("too easy to guess: "), "{en}");
        assert!(!sv.contains("password") && !sv.contains("guess"), "{sv}");
    }

    #[test]
    fn every_zxcvbn_warning_has_its_own_reason() {
        use zxcvbn::feedback::Warning as W;
        let all = [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::ShortKeyboardPatternsAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            W::ThisIsATop10Password,
            W::ThisIsATop100Password,
            W::ThisIsACommonPassword,
            W::ThisIsSimilarToACommonlyUsedPassword,
            W::SequencesLikeAbcAreEasyToGuess,
            W::RecentYearsAreEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::DatesAreOftenEasyToGuess,
            W::NamesAndSurnamesByThemselvesAreEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ];
        let mut keys: Vec<_> = all
            .into_iter()
            .map(|w| Weakness::from_warning(Some(w)).label_key())
            .collect();
        keys.push(Weakness::from_warning(None).label_key());
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "one reason per warning");
        assert!(keys.iter().all(|k| crate::i18n::has_key(k)), "{keys:?}");
    }

    #[test]
    fn grants_are_read_with_their_rules() {
        assert_eq!(
            parse_grant(" staff "),
            Ok(GrantRequest {
                role: Role::Staff,
                scope: None
            })
        );
        assert_eq!(
            parse_grant("manager:enhet:ONK51"),
            Ok(GrantRequest {
                role: Role::Manager,
                scope: Some((ScopeKind::Unit, "ONK51".into()))
            })
        );
        assert_eq!(
            parse_grant("pilot"),
            Err(GrantProblem::UnknownRole("pilot".into()))
        );
        assert_eq!(parse_grant("manager"), Err(GrantProblem::ManagerNeedsScope));
        assert_eq!(
            parse_grant("staff:unit:ONK51"),
            Err(GrantProblem::TakesNoScope(Role::Staff))
        );
        assert_eq!(
            parse_grant("manager:ONK51"),
            Err(GrantProblem::ScopeShape("ONK51".into()))
        );
        assert_eq!(
            parse_grant("manager:ward:7"),
            Err(GrantProblem::UnknownScopeKind("ward".into()))
        );
        assert_eq!(grant_text("manager", " unit:A "), "manager:unit:A");
        assert_eq!(grant_text("staff", " "), "staff");
        assert_eq!(
            pick_scope(ScopeKind::Region, "3", &[3]),
            Ok(Scope::Region(3))
        );
        let none = pick_scope(ScopeKind::Unit, "FINNS-EJ", &[]).expect_err("none");
        assert_eq!(
            none.message().render(crate::i18n::Lang::Sv),
            "ingen enhet matchar FINNS-EJ"
        );
        assert_eq!(
            pick_scope(ScopeKind::Unit, "A", &[1, 2]),
            Err(GrantProblem::Ambiguous("A".into()))
        );
    }

    #[test]
    fn nobody_deactivates_their_own_account() {
        assert!(check_active_change(Some(1), 1, false).is_err());
        assert!(check_active_change(Some(1), 1, true).is_ok());
        assert!(check_active_change(Some(1), 2, false).is_ok());
    }

    #[test]
    fn the_throttle_waits_longer_with_each_failure_and_per_address_across_accounts() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .expect("now")
            .with_timezone(&Utc);
        let secs = |s: i64| crate::clock::stamp(now - Duration::seconds(s));
        let t = Throttle {
            per_account: 2,
            per_address: 3,
            window: Duration::minutes(15),
        };
        assert_eq!(t.wait(&[secs(5)], &[secs(5)], now), None);
        // Two failures: 30 s after the last; three: 60 s; four: 120 s.
        assert_eq!(t.wait(&[secs(20), secs(10)], &[], now), Some(20));
        assert_eq!(
            t.wait(&[secs(20), secs(10)], &[], now + Duration::seconds(20)),
            None
        );
        assert_eq!(t.wait(&[secs(30), secs(20), secs(10)], &[], now), Some(50));
        assert_eq!(
            t.wait(&[secs(3), secs(2), secs(1), secs(0)], &[], now),
            Some(120)
        );
        // Never longer than the window, however many.
        let many: Vec<String> = (0..30).rev().map(secs).collect();
        assert_eq!(t.wait(&many, &[], now), Some(900));
        // The address across accounts: the older of the last three ages out.
        let at = |m: i64| crate::clock::stamp(now - Duration::minutes(m));
        assert_eq!(t.wait(&[], &[at(9), at(8), at(2)], now), Some(360));
        assert!(t.just_closed(2) && !t.just_closed(3) && !t.just_closed(1));
    }

    #[test]
    fn token_scopes_allow_what_they_name() {
        use axum::http::Method;
        let status = TokenScope::parse("status").expect("scope");
        assert!(status.allows(&Method::GET, "/api/v1/licences/status"));
        assert!(status.allows(&Method::GET, "/api/v1/licences/status?hsa_id=X"));
        assert!(!status.allows(&Method::GET, "/api/v1/licences/statuses"));
        assert!(!status.allows(&Method::GET, "/api/v1/people"));
        let read = TokenScope::parse("read").expect("scope");
        assert!(read.allows(&Method::GET, "/api/v1/people"));
        assert!(!read.allows(&Method::POST, "/api/v1/people"));
        assert_eq!(
            TokenScope::parse("status, people status").map(|s| s.as_stored()),
            Ok("status people".into())
        );
        assert_eq!(TokenScope::parse("statuz"), Err("statuz".into()));
        assert_eq!(TokenScope::parse(""), Ok(TokenScope::All));
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("d");
        assert!(check_token_expiry(Some(today), today).is_ok());
        assert!(check_token_expiry(today.pred_opt(), today).is_err());
        assert!(check_token_expiry(Some(today + Duration::days(367)), today).is_err());
    }

    #[test]
    fn managers_see_only_their_units_and_everyone_themselves() {
        let p = Principal {
            account_id: 1,
            email: "m@example.se".into(),
            name: "M".into(),
            person_id: Some(9),
            language: None,
            grants: vec![Grant {
                role: Role::Manager,
                scope: Some(Scope::Unit(3)),
            }],
            managed_units: vec![3],
        };
        assert!(p.may_see_person(1, 3));
        assert!(!p.may_see_person(1, 4));
        assert!(p.may_see_person(9, 4));
    }
}
