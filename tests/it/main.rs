//! The integration tests: one binary with a module per domain or concern, all
//! driving the real router (or the real binary) on real SQLite files.

mod enrolment_support;
mod support;

mod auth;
mod calendar;
mod cli;
mod completions_import;
mod compliance_counts;
mod councils;
mod courses;
mod crash;
mod e2e;
mod enrolment;
mod faults;
mod fuzz;
mod input;
mod licences;
mod oidc;
mod openapi;
mod organisation;
mod placements;
mod quality;
mod reminders;
mod replica;
mod rotations_split;
mod routes;
mod schemathesis;
mod second_factor;
mod security;
mod shape;
mod upgrade;
mod verification;
