//! This domain's rows of the route table (see tests/routes.rs).

use crate::support::TestApp;
#[expect(unused_imports, reason = "the rows below use them as routes are added")]
use crate::{Route, Rule, r};

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    Vec::new()
}

/// Creates the rows this domain's routes need, so that `{id}` = 1 finds them.
pub async fn prepare(_app: &TestApp) {}
