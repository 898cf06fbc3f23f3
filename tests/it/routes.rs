//! Walks every route with every role and without signing in, and checks the
//! answer: the authorization table of the whole application in one place.

use std::collections::BTreeSet;

use crate::support::{TestApp, TestResponse};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

/// Who may do what. `None` is a visitor who has not signed in.
#[derive(Clone, Copy)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Only these roles; others get 403.
    Roles(&'static [Role]),
    /// Only these roles see the row; others get 404 so it does not leak.
    Rows(&'static [Role]),
    /// Bearer token required; every role's token is accepted.
    Api,
    /// Bearer token required; these roles get 200, the others the code given.
    ApiOnly(&'static [Role], StatusCode),
    /// A write on a row: `write` roles may, `see` roles get 403, others 404.
    RowWrite {
        see: &'static [Role],
        write: &'static [Role],
    },
    /// An API write on a row: `write` roles get 200, `see` roles 403, the
    /// others 404.
    ApiRowWrite {
        see: &'static [Role],
        write: &'static [Role],
    },
}

const ADMIN: &[Role] = &[Role::Admin];
const EVERYONE_SEEING: &[Role] = &[Role::Admin, Role::Coordinator, Role::StudyDirector];
const IMPORTERS: &[Role] = &[Role::Admin, Role::Coordinator];
const ORG: &[Role] = &[
    Role::Admin,
    Role::Manager,
    Role::Coordinator,
    Role::StudyDirector,
];

struct Route {
    method: Method,
    /// The pattern as registered.
    pattern: &'static str,
    rule: Rule,
}

/// A row of the table.
fn r(method: Method, pattern: &'static str, rule: Rule) -> Route {
    Route {
        method,
        pattern,
        rule,
    }
}

// Each domain keeps its part of the table, and the rows its routes need
// (created before the walk so that `{id}` = 1 finds them), in its own file.
#[path = "routes/councils.rs"]
mod councils_table;
#[path = "routes/courses.rs"]
mod courses_table;
#[path = "routes/enrolment.rs"]
mod enrolment_table;
#[path = "routes/placements.rs"]
mod placements_table;
#[path = "routes/quality.rs"]
mod quality_table;
#[path = "routes/rotations.rs"]
mod rotations_table;

fn routes() -> Vec<Route> {
    let mut all = core_routes();
    all.extend(courses_table::routes());
    all.extend(enrolment_table::routes());
    all.extend(rotations_table::routes());
    all.extend(placements_table::routes());
    all.extend(quality_table::routes());
    all.extend(councils_table::routes());
    all
}

/// Creates what the domains' routes need before the walk.
async fn prepare(app: &TestApp) {
    courses_table::prepare(app).await;
    enrolment_table::prepare(app).await;
    rotations_table::prepare(app).await;
    placements_table::prepare(app).await;
    quality_table::prepare(app).await;
    councils_table::prepare(app).await;
}

fn core_routes() -> Vec<Route> {
    use Rule::*;
    vec![
        r(Method::GET, "/", SignedIn),
        r(Method::GET, "/healthz", Public),
        r(Method::GET, "/metrics", Public),
        r(Method::GET, "/static/style.css", Public),
        r(Method::GET, "/api/v1/openapi.json", Public),
        r(Method::GET, "/login", Public),
        r(Method::POST, "/logout", Public),
        r(Method::POST, "/lang", Public),
        r(Method::GET, "/login/second-factor", Public),
        r(Method::POST, "/login/second-factor", Public),
        r(Method::GET, "/auth/oidc/start", Public),
        r(Method::GET, "/auth/oidc/callback", Public),
        r(Method::GET, "/account", SignedIn),
        r(Method::POST, "/account/password", SignedIn),
        r(Method::GET, "/account/second-factor", SignedIn),
        r(Method::POST, "/account/second-factor", SignedIn),
        r(Method::POST, "/account/second-factor/confirm", SignedIn),
        r(Method::POST, "/account/second-factor/remove", SignedIn),
        r(
            Method::POST,
            "/account/second-factor/recovery-codes",
            SignedIn,
        ),
        r(Method::POST, "/account/sessions/{id}/end", SignedIn),
        r(
            Method::POST,
            "/admin/accounts/{id}/second-factor/remove",
            Roles(ADMIN),
        ),
        r(Method::GET, "/admin/accounts", Roles(ADMIN)),
        r(Method::GET, "/admin/accounts/new", Roles(ADMIN)),
        r(Method::POST, "/admin/accounts/new", Roles(ADMIN)),
        r(Method::GET, "/admin/accounts/{id}", Roles(ADMIN)),
        r(Method::POST, "/admin/accounts/{id}/roles", Roles(ADMIN)),
        r(
            Method::POST,
            "/admin/accounts/{id}/roles/{grant}/delete",
            Roles(ADMIN),
        ),
        r(
            Method::POST,
            "/admin/accounts/{id}/end-sessions",
            Roles(ADMIN),
        ),
        r(Method::POST, "/admin/accounts/{id}/active", Roles(ADMIN)),
        r(Method::POST, "/admin/accounts/{id}/password", Roles(ADMIN)),
        r(Method::POST, "/admin/accounts/{id}/tokens", Roles(ADMIN)),
        r(Method::POST, "/admin/tokens/{id}/revoke", Roles(ADMIN)),
        r(Method::GET, "/admin/audit", Roles(ADMIN)),
        r(Method::GET, "/admin/audit.csv", Roles(ADMIN)),
        r(Method::GET, "/messages", SignedIn),
        r(Method::GET, "/admin/outbox", Roles(ADMIN)),
        r(Method::GET, "/org", Roles(ORG)),
        r(Method::GET, "/org/regions/new", Roles(ADMIN)),
        r(Method::POST, "/org/regions/new", Roles(ADMIN)),
        r(Method::GET, "/org/regions/{id}/edit", Roles(ADMIN)),
        r(Method::POST, "/org/regions/{id}/edit", Roles(ADMIN)),
        r(Method::GET, "/org/administrations/new", Roles(ADMIN)),
        r(Method::POST, "/org/administrations/new", Roles(ADMIN)),
        r(Method::GET, "/org/administrations/{id}/edit", Roles(ADMIN)),
        r(Method::POST, "/org/administrations/{id}/edit", Roles(ADMIN)),
        r(Method::GET, "/org/units/new", Roles(ADMIN)),
        r(Method::POST, "/org/units/new", Roles(ADMIN)),
        r(Method::GET, "/org/units/{id}", Roles(ORG)),
        r(Method::GET, "/org/units/{id}/edit", Roles(ADMIN)),
        r(Method::POST, "/org/units/{id}/edit", Roles(ADMIN)),
        r(Method::GET, "/people", Roles(ORG)),
        r(Method::GET, "/people/new", Roles(ADMIN)),
        r(Method::POST, "/people/new", Roles(ADMIN)),
        // The other region's nurse: only those who see everyone.
        r(
            Method::GET,
            "/people/{id}",
            Rows(&[Role::Admin, Role::Coordinator, Role::StudyDirector]),
        ),
        r(Method::GET, "/people/{id}/edit", Roles(ADMIN)),
        r(Method::POST, "/people/{id}/edit", Roles(ADMIN)),
        r(Method::POST, "/people/{id}/assignment", Roles(ADMIN)),
        r(Method::POST, "/people/{id}/leave", Roles(ADMIN)),
        r(Method::POST, "/people/{id}/rejoin", Roles(ADMIN)),
        r(Method::GET, "/import", Roles(ADMIN)),
        r(Method::POST, "/import/units", Roles(ADMIN)),
        r(Method::POST, "/import/staff", Roles(ADMIN)),
        r(Method::GET, "/import/completions", Roles(IMPORTERS)),
        r(Method::POST, "/import/completions", Roles(IMPORTERS)),
        r(Method::GET, "/import/batches", Roles(IMPORTERS)),
        // No batch 1 in the fixture: administrators get 404, the rest 403.
        r(Method::POST, "/import/batches/{id}/undo", Roles(ADMIN)),
        r(Method::GET, "/api/v1/units", Api),
        r(Method::GET, "/api/v1/people", Api),
        r(Method::GET, "/licences", SignedIn),
        r(Method::GET, "/people/{id}/licences", Rows(EVERYONE_SEEING)),
        r(
            Method::POST,
            "/people/{id}/licences",
            RowWrite {
                see: EVERYONE_SEEING,
                write: &[Role::Admin, Role::Coordinator],
            },
        ),
        // No completion 1 in the fixture: nobody finds it.
        r(Method::POST, "/licences/completions/{id}/revoke", Rows(&[])),
        r(
            Method::POST,
            "/people/{id}/licences/{licence_id}/remind",
            RowWrite {
                see: EVERYONE_SEEING,
                write: &[Role::Admin, Role::Coordinator],
            },
        ),
        // The other region's nurse, as recording above; the person herself
        // may too, but she is not the one walked here.
        r(
            Method::GET,
            "/people/{id}/licences/{licence_id}/verification",
            RowWrite {
                see: EVERYONE_SEEING,
                write: &[Role::Admin, Role::Coordinator],
            },
        ),
        r(
            Method::POST,
            "/people/{id}/licences/{licence_id}/verification",
            RowWrite {
                see: EVERYONE_SEEING,
                write: &[Role::Admin, Role::Coordinator],
            },
        ),
        // Link 1 is the one the administrator made just above (revoking it
        // again changes nothing), so the rule is the same.
        r(
            Method::POST,
            "/verification/{id}/revoke",
            RowWrite {
                see: EVERYONE_SEEING,
                write: &[Role::Admin, Role::Coordinator],
            },
        ),
        // An unknown token: 404 for everyone, never a sign-in.
        r(Method::GET, "/verify/{token}", Public),
        r(Method::GET, "/verify/{token}/qr.svg", Public),
        r(Method::GET, "/compliance", Roles(ORG)),
        r(Method::GET, "/compliance.csv", Roles(ORG)),
        r(Method::GET, "/compliance.json", Roles(ORG)),
        r(Method::GET, "/admin/licences", Roles(ADMIN)),
        r(Method::GET, "/admin/licences/new", Roles(ADMIN)),
        r(Method::POST, "/admin/licences/new", Roles(ADMIN)),
        r(Method::GET, "/admin/licences/{id}/edit", Roles(ADMIN)),
        r(Method::POST, "/admin/licences/{id}/edit", Roles(ADMIN)),
        r(
            Method::POST,
            "/admin/licences/{id}/requirements",
            Roles(ADMIN),
        ),
        r(
            Method::POST,
            "/admin/requirements/{id}/deactivate",
            Roles(ADMIN),
        ),
        // The ONK1 nurse: everyone but the lecturer may see her.
        r(
            Method::GET,
            "/api/v1/licences/status",
            ApiOnly(
                &[
                    Role::Admin,
                    Role::Coordinator,
                    Role::StudyDirector,
                    Role::Manager,
                    Role::Staff,
                ],
                StatusCode::NOT_FOUND,
            ),
        ),
        r(
            Method::GET,
            "/api/v1/compliance",
            ApiOnly(ORG, StatusCode::FORBIDDEN),
        ),
    ]
}

fn concrete(pattern: &str, app: &TestApp) -> String {
    pattern
        .replace(
            "/people/{id}",
            &format!("/people/{}", app.fixture.other_nurse),
        )
        .replace(
            "/org/regions/{id}",
            &format!("/org/regions/{}", app.fixture.region),
        )
        .replace(
            "/org/administrations/{id}",
            &format!("/org/administrations/{}", app.fixture.administration),
        )
        .replace(
            "/org/units/{id}",
            &format!("/org/units/{}", app.fixture.onk1),
        )
        .replace("/admin/tokens/{id}", "/admin/tokens/9999")
        .replace("{licence_id}", "1")
        .replace("{token}", "no-such-token")
        .replace("{id}", "1")
        .replace("{grant}", "999")
}

/// Parameters an API route needs to answer 200.
fn api_query(pattern: &str) -> &'static str {
    match pattern {
        "/api/v1/licences/status" => "?hsa_id=SE9990000001-T0001&licence=CYTO",
        "/api/v1/compliance" => "?licence=CYTO&by=unit",
        "/api/v1/consultations" | "/api/v1/nominations" => "?council=1",
        _ => "",
    }
}

fn check(route: &Route, who: Option<Role>, r: &TestResponse) {
    let label = format!("{} {} as {:?}", route.method, route.pattern, who);
    assert!(
        !r.status.is_server_error(),
        "{label}: {} {}",
        r.status,
        r.text
    );
    match (route.rule, who) {
        (Rule::Public, _) => assert!(
            r.status != StatusCode::FORBIDDEN && r.status != StatusCode::UNAUTHORIZED,
            "{label}: {}",
            r.status
        ),
        (Rule::Api | Rule::ApiOnly(..) | Rule::ApiRowWrite { .. }, None) => {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{label}")
        }
        (Rule::Api, Some(_)) => assert_eq!(r.status, StatusCode::OK, "{label}"),
        (Rule::ApiOnly(allowed, other), Some(role)) => {
            let expected = if allowed.contains(&role) {
                StatusCode::OK
            } else {
                other
            };
            assert_eq!(r.status, expected, "{label}: {}", r.text);
        }
        (Rule::ApiRowWrite { see, write }, Some(role)) => {
            let expected = if write.contains(&role) {
                StatusCode::OK
            } else if see.contains(&role) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status, expected, "{label}: {}", r.text);
        }
        (Rule::RowWrite { see, write }, Some(role)) => {
            if write.contains(&role) {
                assert!(
                    r.status != StatusCode::FORBIDDEN && r.status != StatusCode::NOT_FOUND,
                    "{label}: {}",
                    r.status
                );
            } else if see.contains(&role) {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
            } else {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");
            }
        }
        (_, None) => {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}");
            assert!(r.location().unwrap_or("").starts_with("/login"), "{label}");
        }
        (Rule::SignedIn, Some(_)) => {
            assert!(r.status != StatusCode::FORBIDDEN, "{label}: {}", r.status)
        }
        (Rule::Roles(allowed), Some(role)) => {
            if allowed.contains(&role) {
                assert!(r.status != StatusCode::FORBIDDEN, "{label}: {}", r.status);
                if route.method == Method::GET {
                    assert_eq!(r.status, StatusCode::OK, "{label}");
                }
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
            }
        }
        (Rule::Rows(allowed), Some(role)) => {
            let expected = if allowed.contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status, expected, "{label}");
        }
    }
}

#[tokio::test]
async fn every_route_with_every_role() {
    let app = TestApp::new().await;
    prepare(&app).await;
    let mut tokens = std::collections::BTreeMap::new();
    for role in Role::ALL {
        tokens.insert(role, app.token_for(role).await);
    }
    let mut who: Vec<Option<Role>> = vec![None];
    who.extend(Role::ALL.iter().copied().map(Some));
    for role in who {
        for route in routes() {
            // A fresh browser per request: a POST that ends sessions or signs
            // out must not change what the next route sees.
            let mut b = match role {
                Some(r) => app.login_as(r).await,
                None => app.browser(),
            };
            let path = concrete(route.pattern, &app);
            let r = match (&route.rule, &route.method) {
                (Rule::Api | Rule::ApiOnly(..) | Rule::ApiRowWrite { .. }, _) => {
                    let path = format!("{path}{}", api_query(route.pattern));
                    app.api(
                        route.method.clone(),
                        &path,
                        role.map(|r| tokens[&r].as_str()),
                        rotations_table::api_body(route.pattern)
                            .or_else(|| councils_table::api_body(route.pattern)),
                    )
                    .await
                }
                (_, &Method::GET) => b.get(&path).await,
                _ if path.starts_with("/import/") || path == "/quality/import" => {
                    b.post_file(&path, &[("action", "preview")], b"region\n")
                        .await
                }
                _ => b.post(&path, &[("lang", "en"), ("active", "1")]).await,
            };
            check(&route, role, &r);
        }
    }
}

#[tokio::test]
async fn the_table_lists_every_registered_route() {
    let mut registered = BTreeSet::new();
    for file in rust_files(std::path::Path::new("src")) {
        let text = std::fs::read_to_string(file).expect("source");
        for piece in text.split(".route(\"").skip(1) {
            let path = piece.split('"').next().unwrap_or("");
            registered.insert(path.to_string());
        }
    }
    let listed: BTreeSet<String> = routes().iter().map(|r| r.pattern.to_string()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the table: {missing:?}"
    );
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn unknown_pages_are_404_pages_and_unknown_api_paths_problem_json() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    let r = b.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("Sidan finns inte"));
    let r = app.api(Method::GET, "/api/v1/nothing", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
}

#[tokio::test]
async fn absurd_page_numbers_give_an_empty_page() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    for path in [
        "/admin/audit",
        "/admin/outbox",
        "/messages",
        "/import/batches",
        "/people",
    ] {
        let r = admin.get(&format!("{path}?page=4294967295")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    let r = admin.get("/people?page=99999999999").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a page that is not a u32 names the parameter"
    );
    assert!(r.text.contains("page"), "{}", r.text);
}
