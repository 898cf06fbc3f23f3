//! The OpenAPI document: served publicly, version 3.1, and in step with the
//! routes the code registers, in both directions.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::TestApp;
use axum::http::{Method, StatusCode};

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
    // The domains register their API routes with utoipa_axum's `routes!`,
    // which takes each path and method from the handler's annotation, so the
    // router and the document come from one place. A plain `.route(` would
    // serve a path the document does not describe.
    let plain = plain_api_routes();
    assert!(
        plain.is_empty(),
        "API routes registered without their description: {plain:?}"
    );
    let app = TestApp::new().await;
    let token = app.token_for(oncotrack::auth::model::Role::Admin).await;
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
    assert!(
        documented.contains_key("/api/v1/offerings/{id}/enrolments"),
        "{documented:?}"
    );
    assert_eq!(
        routes_macro_calls(),
        documented.len(),
        "one routes! registration per documented path"
    );
    for (path, methods) in &documented {
        let concrete = path.replace("{id}", "1");
        // No API route takes PUT: a routed path answers 405 for it, an
        // unknown one 404.
        let r = app.api(Method::PUT, &concrete, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{path} is routed");
        for method in methods {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let r = app.api(m, &concrete, Some(&token), None).await;
            assert_ne!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is served"
            );
        }
    }
}

/// Every `/api/v1` path registered with a plain `.route(` under src.
fn plain_api_routes() -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(std::path::Path::new("src")) {
        let text = std::fs::read_to_string(&file).expect("source");
        for piece in text.split(".route(").skip(1) {
            let Some(rest) = piece.trim_start().strip_prefix('"') else {
                continue;
            };
            if rest.starts_with("/api/") {
                found.push(format!(
                    "{}: {}",
                    file.display(),
                    rest.split('"').next().unwrap_or("")
                ));
            }
        }
    }
    found
}

/// How many `routes!(` registrations src holds.
fn routes_macro_calls() -> usize {
    rust_files(std::path::Path::new("src"))
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .expect("source")
                .matches(".routes(routes!(")
                .count()
        })
        .sum()
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

/// Every success answer of every `/api/v1` operation (but the document
/// itself) is described down to its leaves: no schema that allows anything,
/// no object without its properties, no `$ref` to a missing component. A
/// handler answering with a loose `serde_json::Value` fails here, so what
/// schemathesis checks in CI is the real shape.
#[tokio::test]
async fn every_success_answer_is_described_down_to_its_fields() {
    let app = TestApp::new().await;
    let doc = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .json();
    let mut loose = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if path == "/api/v1/openapi.json" {
            continue;
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            for (status, response) in op["responses"].as_object().expect("responses") {
                if !status.starts_with('2') {
                    continue;
                }
                let content = response["content"].as_object();
                assert!(
                    content.is_some_and(|c| !c.is_empty()),
                    "{method} {path} {status}: no content described"
                );
                for (media, body) in content.into_iter().flatten() {
                    let at = format!("{method} {path} {status} {media}");
                    if media.starts_with("text/") {
                        assert_eq!(body["schema"]["type"], "string", "{at}");
                        continue;
                    }
                    checked += 1;
                    find_loose(&doc, &body["schema"], &at, &mut Vec::new(), &mut loose);
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} JSON answers found");
    assert!(loose.is_empty(), "loosely described: {loose:#?}");
}

/// Collects the places under `schema` that allow any value.
fn find_loose(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    at: &str,
    seen: &mut Vec<String>,
    loose: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        if seen.iter().any(|s| s == name) {
            return;
        }
        seen.push(name.to_string());
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            loose.push(format!("{at}: $ref to missing {reference}"));
        } else {
            find_loose(doc, target, &format!("{at} > {name}"), seen, loose);
        }
        return;
    }
    let mut described = false;
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, part) in schema[key].as_array().into_iter().flatten().enumerate() {
            described = true;
            find_loose(doc, part, &format!("{at}.{key}[{i}]"), seen, loose);
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        described = true;
        for (name, prop) in props {
            find_loose(doc, prop, &format!("{at}.{name}"), seen, loose);
        }
    }
    if !schema["items"].is_null() {
        described = true;
        find_loose(doc, &schema["items"], &format!("{at}[]"), seen, loose);
    }
    if !schema["enum"].is_null() {
        described = true;
    }
    let scalar = match &schema["type"] {
        serde_json::Value::String(t) => t != "object" && t != "array",
        serde_json::Value::Array(ts) => ts
            .iter()
            .any(|t| t != "object" && t != "array" && t != "null"),
        _ => false,
    };
    if !(described || scalar) {
        loose.push(format!("{at}: {schema}"));
    }
}
