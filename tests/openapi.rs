//! The OpenAPI document: served publicly, version 3.1, and in step with the
//! routes the code registers, in both directions.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use support::TestApp;

/// Methods axum's method router offers that the document can describe.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[tokio::test]
async fn the_document_is_public_openapi_3_1_json() {
    let app = TestApp::new().await;
    let r = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.header("content-type")
    );
    let doc = r.json();
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "openapi = {version:?}");
    assert!(
        doc["components"]["schemas"]["ProblemDetails"]["properties"]["field"].is_object(),
        "the error shape names the field"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let units_401 = &doc["paths"]["/api/v1/units"]["get"]["responses"]["401"];
    assert!(
        units_401["content"]["application/problem+json"].is_object(),
        "{units_401}"
    );
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_path_exists() {
    let registered = registered_api_routes();
    assert!(
        registered.contains_key("/api/v1/offerings/{id}/enrolments"),
        "the scan finds routes written over several lines: {registered:?}"
    );
    let app = TestApp::new().await;
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths object") {
        let methods = METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| (*m).to_string())
            .collect();
        documented.insert(path.clone(), methods);
    }
    assert_eq!(
        registered, documented,
        "left: registered in src, right: in the OpenAPI document"
    );
}

/// Every `/api/v1` path registered with `.route(` anywhere under src, with
/// the lower-case names of its methods.
fn registered_api_routes() -> BTreeMap<String, BTreeSet<String>> {
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(std::path::Path::new("src")) {
        let text = std::fs::read_to_string(file).expect("source");
        for piece in text.split(".route(").skip(1) {
            let Some(rest) = piece.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some((path, handlers)) = rest.split_once('"') else {
                continue;
            };
            if !path.starts_with("/api/v1") {
                continue;
            }
            let methods = routes.entry(path.to_string()).or_default();
            for method in METHODS {
                if calls(route_arguments(handlers), method) {
                    methods.insert(method.to_string());
                }
            }
        }
    }
    routes
}

/// The rest of one `.route(` call: up to the parenthesis that closes it.
fn route_arguments(after_path: &str) -> &str {
    let mut depth = 1;
    for (i, c) in after_path.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &after_path[..i];
                }
            }
            _ => {}
        }
    }
    after_path
}

/// True when `code` calls `name(` as a whole word (so `get(` but not `api_get(`).
fn calls(code: &str, name: &str) -> bool {
    let needle = format!("{name}(");
    code.match_indices(&needle).any(|(i, _)| {
        !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
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
