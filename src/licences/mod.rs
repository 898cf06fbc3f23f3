//! Chemotherapy licences (cytostatikakörkort) and other licence types: the
//! rules, completions and revocations, requirements, and compliance.

pub mod model;
pub mod store;
