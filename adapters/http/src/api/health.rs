//! Liveness and readiness.

use std::sync::Arc;

use djcrm_application::Crm;
use djcrm_domain::ports::Store;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;

/// A health report.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none, example)]
pub struct HealthBody {
    /// `ok`; `degraded` when a dependency the server can do without (the cache)
    /// fails; `unavailable` when the store fails.
    pub status: String,
    /// Per dependency: `ok` or what failed.
    pub checks: Vec<CheckBody>,
}

/// One dependency's health.
#[derive(Object, Debug, Clone)]
#[oai(skip_serializing_if_is_none)]
pub struct CheckBody {
    /// The dependency (`store`, `cache`).
    pub name: String,
    /// `ok`, or `unavailable`.
    pub status: String,
}

/// Readiness.
#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Every dependency answers.
    #[oai(status = 200)]
    Ready(Json<HealthBody>),
    /// A dependency does not answer.
    #[oai(status = 503)]
    Unavailable(Json<HealthBody>),
}

/// Health endpoints.
pub struct HealthApi<S: Store> {
    /// The CRM.
    pub crm: Arc<Crm<S>>,
}

impl Example for HealthBody {
    fn example() -> Self {
        Self {
            status: "ok".into(),
            checks: vec![
                CheckBody {
                    name: "store".into(),
                    status: "ok".into(),
                },
                CheckBody {
                    name: "cache".into(),
                    status: "ok".into(),
                },
            ],
        }
    }
}

/// Liveness: the process serves requests.
#[must_use]
pub fn liveness() -> Json<HealthBody> {
    Json(HealthBody {
        status: "ok".into(),
        checks: Vec::new(),
    })
}

/// Readiness: the store answers (503 otherwise). A cache that does not answer
/// leaves the server ready but `degraded`: requests are served from the store.
pub async fn readiness<S: Store>(crm: &Crm<S>) -> ReadyResponse {
    let check = |name: &str, status: &str| CheckBody {
        name: name.into(),
        status: status.into(),
    };
    let cache = if crm.cache_answers().await {
        check("cache", "ok")
    } else {
        check("cache", "unavailable")
    };
    match crm.ready().await {
        Ok(()) => {
            let status = if cache.status == "ok" {
                "ok"
            } else {
                "degraded"
            };
            ReadyResponse::Ready(Json(HealthBody {
                status: status.into(),
                checks: vec![check("store", "ok"), cache],
            }))
        }
        Err(error) => {
            tracing::warn!(error.message = %error, "readiness check failed");
            ReadyResponse::Unavailable(Json(HealthBody {
                status: "unavailable".into(),
                checks: vec![check("store", "unavailable"), cache],
            }))
        }
    }
}

#[OpenApi(tag = "ApiTags::Health")]
impl<S: Store> HealthApi<S> {
    /// Liveness: answers while the process runs.
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> Json<HealthBody> {
        liveness()
    }

    /// Readiness: answers 200 when the store is reachable, 503 otherwise.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self) -> ReadyResponse {
        readiness(&self.crm).await
    }
}
