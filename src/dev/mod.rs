//! What developers and evaluators run, not the service: the demo data of
//! `serve --demo`, the deterministic generator of `oncotrack generate`, and
//! the in-process benchmarks of `oncotrack bench`. Production modules never
//! import this folder; it writes through the domains' own stores.

pub mod bench_compliance;
pub mod bench_placements;
pub mod demo;
mod demo_councils;
mod demo_courses;
mod demo_rotations;
pub mod enrolments;
pub mod generate;
mod generate_courses;
pub mod quality;
mod store;
