//! Roles, scopes, who may see what, and the password rules. No I/O.

use std::fmt;

use serde::Serialize;

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Fewer than 12 characters.
    #[error("at least 12 characters / minst 12 tecken")]
    TooShort,
    /// More than 128 characters.
    #[error("at most 128 characters / högst 128 tecken")]
    TooLong,
    /// The strength estimator's verdict.
    #[error("too easy to guess / för lätt att gissa: {0}")]
    Weak(String),
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
        let reason = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "predictable pattern".to_string());
        return Err(PasswordProblem::Weak(reason));
    }
    Ok(())
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
