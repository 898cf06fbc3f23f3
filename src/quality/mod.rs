//! The regional quality indicator "kloka kliniska val" (Choosing Wisely):
//! treatment in the last weeks of life, per region, administration and
//! unit, from pseudonymised treatment extracts, with small numbers
//! suppressed.

pub mod actions;
pub mod import;
pub mod model;
pub mod report;
pub mod store;
