//! The `Allow` header of a 405, which RFC 9110 requires: the methods each path
//! answers, read once from the OpenAPI document the API is built from, so it can
//! never disagree with the routes.

use poem::Response;
use poem::http::{HeaderValue, StatusCode, header};
use serde_json::Value;

/// Path templates of the API and the methods each answers.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods {
    routes: Vec<(Vec<String>, String)>,
}

impl AllowedMethods {
    /// The routes of `spec` (an OpenAPI document served under `base`), plus `extra`
    /// paths outside it that answer GET only.
    #[must_use]
    pub fn from_spec(spec: &str, base: &str, extra: &[&str]) -> Self {
        let mut routes = Vec::new();
        let document: Value = serde_json::from_str(spec).unwrap_or(Value::Null);
        if let Some(paths) = document.get("paths").and_then(Value::as_object) {
            for (path, operations) in paths {
                let mut methods: Vec<String> = operations
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                methods.sort();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".to_owned());
                }
                routes.push((segments(&format!("{base}{path}")), methods.join(", ")));
            }
        }
        for path in extra {
            routes.push((segments(path), "GET, HEAD".to_owned()));
        }
        Self { routes }
    }

    /// The `Allow` value for `path`, if it is one of ours. Where templates overlap
    /// (`/agents/invitations` and `/agents/{id}`), the one with more literal
    /// segments wins, as in the router.
    fn allow(&self, path: &str) -> Option<&str> {
        let wanted = segments(path);
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t.starts_with('{') || t == w)
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(_, methods)| methods.as_str())
    }

    /// Adds `Allow` to a 405 for `path`.
    pub fn apply(&self, response: &mut Response, path: &str) {
        if response.status() != StatusCode::METHOD_NOT_ALLOWED {
            return;
        }
        if let Some(value) = self.allow(path).and_then(|m| HeaderValue::from_str(m).ok()) {
            response.headers_mut().insert(header::ALLOW, value);
        }
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        let spec = r#"{"paths": {"/agents/{id}": {"get": {}, "delete": {}},
            "/agents/invitations": {"get": {}, "post": {}}}}"#;
        let allowed = AllowedMethods::from_spec(spec, "", &[]);
        assert_eq!(
            allowed.allow("/agents/invitations"),
            Some("GET, POST, HEAD")
        );
        assert_eq!(allowed.allow("/agents/42"), Some("DELETE, GET, HEAD"));
    }

    const SPEC: &str = r#"{"paths": {"/leads/{id}": {"get": {}, "patch": {}, "delete": {}},
        "/leads": {"get": {}, "post": {}}}}"#;

    #[test]
    fn templates_match_any_id_and_list_their_methods() {
        let allowed = AllowedMethods::from_spec(SPEC, "/api/v1", &["/healthz"]);
        assert_eq!(
            allowed.allow("/api/v1/leads/abc"),
            Some("DELETE, GET, PATCH, HEAD")
        );
        assert_eq!(allowed.allow("/api/v1/leads"), Some("GET, POST, HEAD"));
        assert_eq!(allowed.allow("/healthz"), Some("GET, HEAD"));
        assert_eq!(allowed.allow("/nowhere"), None);
    }
}
