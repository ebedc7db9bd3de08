//! A headless Chromium driven through chromedriver (WebDriver), with the few steps
//! the journeys repeat: open a page, fill a field, press a button, read text, and
//! save a screenshot.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::common::free_port;

/// A browser window of a given size.
#[derive(Clone, Copy)]
pub struct Viewport {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub mobile: bool,
}

pub const DESKTOP: Viewport = Viewport {
    name: "desktop",
    width: 1280,
    height: 900,
    mobile: false,
};

/// An iPhone SE/mini-sized screen: the narrowest the UI is made for.
pub const PHONE: Viewport = Viewport {
    name: "phone",
    width: 375,
    height: 812,
    mobile: true,
};

/// chromedriver, the browser it drives, and the server's base URL.
pub struct Browser {
    pub client: Client,
    pub base: String,
    pub viewport: Viewport,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing listens on port {port}");
}

/// One browser test at a time: three Chromiums at once starve a 2-core machine,
/// and a chromedriver started while another test's server is still binding its
/// port could be handed the same port.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits for this test's turn; the turn lasts as long as the guard.
pub async fn turn() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

/// The options of a headless Chromium of `viewport`'s size using `profile`.
fn capabilities(
    viewport: Viewport,
    profile: &std::path::Path,
) -> serde_json::Map<String, serde_json::Value> {
    let mut capabilities = serde_json::Map::new();
    // The flags keep Chromium off the network (this machine's is closed) and
    // away from the first-run and sync machinery.
    let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--hide-scrollbars",
                format!("--window-size={},{}", viewport.width, viewport.height),
                format!("--user-data-dir={}", profile.display()),
            ],
    });
    if viewport.mobile {
        // A window cannot be narrower than 500 px: a phone is emulated (its
        // width, touch and mobile viewport handling).
        options["mobileEmulation"] = json!({
            "deviceMetrics": { "width": viewport.width, "height": viewport.height, "pixelRatio": 1.0, "touch": true, "mobile": true },
        });
    }
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    capabilities
}

impl Browser {
    /// A new headless Chromium of `viewport`'s size, for the server at `base`.
    /// A driver that fails to open a session (the first Chromium start on a
    /// fresh machine can be slow to settle) is replaced, twice at most.
    pub async fn start(base: &str, viewport: Viewport) -> Self {
        let mut failures = Vec::new();
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            let port = free_port();
            let mut driver = Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver (apt-get install chromium-driver; .ci/run installs it)");
            wait_for_port(port);
            let profile = tempfile::tempdir().expect("a profile folder");
            let session = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities(viewport, profile.path()))
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match session {
                Ok(client) => {
                    return Self {
                        client,
                        base: base.to_owned(),
                        viewport,
                        driver,
                        _profile: profile,
                    };
                }
                Err(error) => {
                    failures.push(error.to_string());
                    let _ = driver.kill();
                    let _ = driver.wait();
                }
            }
        }
        panic!("no browser session after three drivers: {failures:?}");
    }

    /// Loads `path` of the server.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    /// The current page's path.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("a URL")
            .path()
            .to_owned()
    }

    /// Types `text` into the field `css` (emptied first).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("a cleared field");
        field.send_keys(text).await.expect("typed text");
    }

    /// Picks the option labelled `label` of the select `css`.
    pub async fn choose(&self, css: &str, label: &str) {
        self.find(css)
            .await
            .select_by_label(label)
            .await
            .unwrap_or_else(|e| panic!("choosing {label} in {css}: {e}"));
    }

    /// Presses the submit button `css` and waits for the page it leads to (a
    /// mark left on this page is gone once the next one has loaded: WebDriver
    /// does not always wait for navigation, with touch emulation at least).
    pub async fn submit(&self, css: &str) {
        self.run("window.djcrmOldPage = true; return true").await;
        self.click(css).await;
        self.until(
            "return !window.djcrmOldPage && document.readyState === 'complete'",
            &format!("the page after pressing {css}"),
        )
        .await;
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// The element `css`, waited for up to 5 s.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(e) => panic!("no {css} on {}: {e}", self.describe().await),
        }
    }

    /// Every element `css`.
    pub async fn all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("a search")
    }

    /// The visible text of `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("its text")
    }

    /// The result of `script` in the page.
    pub async fn run(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("running {script}: {e}"))
    }

    /// The text on the page whose contrast with its background is under WCAG AA
    /// (4.5:1, 3:1 when large), each with its ratio and where it is.
    pub async fn poor_contrast(&self) -> Vec<String> {
        let found = self.run(include_str!("contrast.js")).await;
        serde_json::from_value(found).expect("a list of texts")
    }

    /// Waits up to 5 s for `script` to return `true`.
    pub async fn until(&self, script: &str, what: &str) {
        for _ in 0..50 {
            if self.run(script).await == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{what} did not happen on {}", self.describe().await);
    }

    /// The page's path and visible text, for failure messages.
    pub async fn describe(&self) -> String {
        let text = self
            .client
            .execute(
                "return document.body ? document.body.innerText : ''",
                Vec::new(),
            )
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        format!("{} showing:\n{text}", self.path().await)
    }

    /// Saves a screenshot as `<viewport>-<theme>-<name>.png` in the screenshots
    /// folder (`DJCRM_SCREENSHOTS`, or `target/tmp/screenshots`).
    pub async fn screenshot(&self, name: &str) {
        let dark = self
            .run("return document.documentElement.classList.contains('dark')")
            .await;
        let theme = if dark == json!(true) { "dark" } else { "light" };
        let folder = std::env::var_os("DJCRM_SCREENSHOTS").map_or_else(
            || PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"),
            PathBuf::from,
        );
        std::fs::create_dir_all(&folder).expect("a screenshots folder");
        let png = self.client.screenshot().await.expect("a screenshot");
        let file = folder.join(format!("{}-{theme}-{name}.png", self.viewport.name));
        std::fs::write(&file, png).expect("a saved screenshot");
    }

    /// Drags the card of `name` onto the column `status`, as a mouse would: the
    /// HTML drag events in order (WebDriver's pointer actions do not start a
    /// native HTML drag in Chromium, so the events are dispatched in the page).
    pub async fn drag(&self, name: &str, status: &str) {
        let script = format!(
            r#"const card = document.querySelector('li[data-name="{name}"]');
            const column = document.querySelector('section[data-status="{status}"]');
            const data = new DataTransfer();
            const fire = (target, type) => target.dispatchEvent(
              new DragEvent(type, {{ bubbles: true, cancelable: true, dataTransfer: data }}));
            fire(card, 'dragstart');
            fire(column, 'dragover');
            fire(column, 'drop');
            fire(card, 'dragend');
            return true;"#
        );
        self.run(&script).await;
    }

    /// Logs out with the header's button.
    pub async fn log_out(&self) {
        self.submit("form[action='/logout'] button").await;
    }

    /// Logs in as `email`.
    pub async fn log_in(&self, email: &str, password: &str) {
        self.open("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.submit("main form button[type=submit]").await;
    }
}
