//! A running server per test, like a client would see it.

use std::net::SocketAddr;
use std::path::Path;

use djcrm_bin::config::Settings;
use djcrm_bin::startup::Application;
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A response, read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `field` names of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_default().to_owned()
    }
}

/// A server on an ephemeral port over its own SQLite file.
pub struct TestApp {
    pub addr: SocketAddr,
    /// Where the server's mail goes (its file outbox).
    pub outbox: std::path::PathBuf,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    _mail: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
    _database: Option<crate::pg::TestDatabase>,
}

impl TestApp {
    /// A fresh server with a fresh database.
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("djcrm.db");
        let mut app = Self::spawn_on(&path).await;
        app._dir = Some(dir);
        app
    }

    /// A fresh server over a fresh PostgreSQL database.
    pub async fn spawn_postgres() -> Self {
        let database = crate::pg::TestDatabase::create().await;
        let mut app = Self::spawn_with(database.url.clone()).await;
        app._database = Some(database);
        app
    }

    /// A server over the database file at `path` (kept after the server stops).
    pub async fn spawn_on(path: &Path) -> Self {
        Self::spawn_with(format!("sqlite://{}", path.display())).await
    }

    /// A fresh server on SQLite with settings changed by `configure`.
    pub async fn spawn_configured(configure: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
        let mut app = Self::spawn_with_settings(url, configure).await;
        app._dir = Some(dir);
        app
    }

    /// Two servers on one fresh PostgreSQL database, both changed by `configure`
    /// (as two instances behind a load balancer).
    pub async fn spawn_pair_on_postgres(configure: impl Fn(&mut Settings)) -> (Self, Self) {
        let database = crate::pg::TestDatabase::create().await;
        let mut first = Self::spawn_with_settings(database.url.clone(), &configure).await;
        let second = Self::spawn_with_settings(database.url.clone(), &configure).await;
        first._database = Some(database);
        (first, second)
    }

    async fn spawn_with(database_url: String) -> Self {
        Self::spawn_with_settings(database_url, |_| {}).await
    }

    async fn spawn_with_settings(
        database_url: String,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        if std::env::var_os("RUST_LOG").is_some() {
            // The server's logs, when asked for: `RUST_LOG=debug cargo test ...`.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let mail = tempfile::tempdir().expect("a temporary directory");
        let outbox = mail.path().join("outbox");
        let mut settings = Settings::default();
        settings.http.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        settings.database.url = database_url;
        settings.mail.outbox_dir = outbox.display().to_string();
        settings.queue.poll_interval_ms = 50;
        configure(&mut settings);
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Application::build(&settings, async {
            let _ = stopped.await;
        })
        .await
        .expect("the server starts");
        let addr = app.local_addr();
        let server = tokio::spawn(app.run());
        Self {
            addr,
            outbox,
            _mail: mail,
            client: reqwest::Client::new(),
            stop: Some(stop),
            server: Some(server),
            _dir: None,
            _database: None,
        }
    }

    /// Stops the server and waits until it has closed the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task ends")
                .expect("the server stops cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(method, self.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(self.request(Method::GET, path, Some(token)))
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path, Some(token)).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(self.request(Method::PATCH, path, Some(token)).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(self.request(Method::DELETE, path, Some(token)))
            .await
    }

    /// Signs up an organization; returns its owner.
    pub async fn signup(&self, org: &str) -> Tenant {
        let email = format!("owner@{}.test", org.to_lowercase().replace(' ', "-"));
        let reply = self
            .send(
                self.request(Method::POST, "/auth/signup", None)
                    .json(&json!({
                        "organization_name": org,
                        "email": email,
                        "password": "correct horse battery",
                        "full_name": format!("{org} Owner"),
                    })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        Tenant {
            token: reply.body["token"].as_str().expect("a token").to_owned(),
            org_id: reply.body["organization"]["id"]
                .as_str()
                .expect("an org id")
                .to_owned(),
            email,
        }
    }

    /// Logs in.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.send(
            self.request(Method::POST, "/auth/login", None)
                .json(&json!({ "email": email, "password": password })),
        )
        .await
    }

    /// Adds an agent and logs them in; returns (agent id, their token).
    pub async fn agent(&self, owner: &Tenant, name: &str) -> (String, String) {
        let email = format!(
            "{}@{}",
            name.to_lowercase(),
            owner.email.split('@').nth(1).unwrap_or("x.test")
        );
        let created = self
            .post(
                "/agents",
                &owner.token,
                json!({ "email": email, "full_name": name, "password": "agent password 1" }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let login = self.login(&email, "agent password 1").await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
        (
            created.id(),
            login.body["token"].as_str().expect("a token").to_owned(),
        )
    }

    /// Creates a lead; returns it.
    pub async fn lead(&self, token: &str, body: Value) -> Reply {
        let reply = self.post("/leads", token, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply
    }
}

/// One message of the file outbox, read as a mail client reads it.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body, decoded.
    pub text: String,
    /// The HTML body, decoded.
    pub html: String,
}

impl Sent {
    fn parse(raw: &[u8]) -> Option<Self> {
        let message = mail_parser::MessageParser::default().parse(raw)?;
        Some(Self {
            to: message.to()?.first()?.address()?.to_owned(),
            subject: message.subject()?.to_owned(),
            text: message.body_text(0)?.into_owned(),
            html: message.body_html(0)?.into_owned(),
        })
    }

    /// The first token (`djcrm_` and 64 hex digits) in the text.
    pub fn token(&self) -> Option<String> {
        let start = self.text.find("djcrm_")?;
        let token: String = self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (token.len() == "djcrm_".len() + 64).then_some(token)
    }
}

impl TestApp {
    /// The messages in the outbox now.
    pub fn sent(&self) -> Vec<Sent> {
        let Ok(entries) = std::fs::read_dir(&self.outbox) else {
            return Vec::new();
        };
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|raw| Sent::parse(&raw))
            .collect()
    }

    /// Waits (up to 20 s) until a message to `to` whose subject contains `subject`
    /// is in the outbox, and returns it.
    pub async fn mail_to(&self, to: &str, subject: &str) -> Sent {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let found = self
                .sent()
                .into_iter()
                .find(|m| m.to == to && m.subject.contains(subject));
            if let Some(mail) = found {
                return mail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no mail to {to} about {subject:?}; the outbox has {:#?}",
                self.sent()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An organization and its owner.
pub struct Tenant {
    pub token: String,
    pub org_id: String,
    pub email: String,
}
