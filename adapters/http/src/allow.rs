//! The API's path templates, read once from the OpenAPI document the API is built
//! from, so they can never disagree with the routes: the `Allow` header of a 405
//! (which RFC 9110 requires) and the route label of request metrics.

use poem::Response;
use poem::http::{HeaderValue, StatusCode, header};
use serde_json::Value;

/// Path templates of the API and the methods each answers.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods {
    routes: Vec<Template>,
}

/// One path template.
#[derive(Debug, Clone)]
struct Template {
    segments: Vec<String>,
    methods: String,
    path: String,
}

impl Template {
    fn new(path: String, methods: String) -> Self {
        Self {
            segments: segments(&path),
            methods,
            path,
        }
    }
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
                routes.push(Template::new(format!("{base}{path}"), methods.join(", ")));
            }
        }
        for path in extra {
            routes.push(Template::new((*path).to_owned(), "GET, HEAD".to_owned()));
        }
        Self { routes }
    }

    /// The template `path` matches, if it is one of ours. Where templates overlap
    /// (`/agents/invitations` and `/agents/{id}`), the one with more literal
    /// segments wins, as in the router.
    fn matching(&self, path: &str) -> Option<&Template> {
        // Asked on every request (for its metrics label): borrowed, not allocated.
        let wanted: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes
            .iter()
            .filter(|route| {
                route.segments.len() == wanted.len()
                    && route
                        .segments
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t.starts_with('{') || t == w)
            })
            .max_by_key(|route| {
                route
                    .segments
                    .iter()
                    .filter(|t| !t.starts_with('{'))
                    .count()
            })
    }

    /// The `Allow` value for `path`, if it is one of ours.
    fn allow(&self, path: &str) -> Option<&str> {
        self.matching(path).map(|route| route.methods.as_str())
    }

    /// The template `path` matches (`/api/v1/leads/{id}`), if it is one of ours: a
    /// label of bounded cardinality, where the path itself is not.
    #[must_use]
    pub fn template(&self, path: &str) -> Option<&str> {
        self.matching(path).map(|route| route.path.as_str())
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

    #[test]
    fn a_path_is_labelled_by_its_template() {
        let allowed = AllowedMethods::from_spec(SPEC, "/api/v1", &["/healthz"]);
        assert_eq!(
            allowed.template("/api/v1/leads/0190-abc"),
            Some("/api/v1/leads/{id}")
        );
        assert_eq!(allowed.template("/healthz"), Some("/healthz"));
        assert_eq!(allowed.template("/api/v1/unknown/path"), None);
    }
}
