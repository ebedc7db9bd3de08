//! The web UI in a real browser (headless Chromium through chromedriver): a sales
//! team's day from signup to the dashboard, on a desktop and on a phone, and the
//! CSRF guard. Screenshots of the main pages, light and dark, are saved on the way
//! (see `driver::Browser::screenshot`).

#[path = "../common/mod.rs"]
mod common;
mod driver;

use std::process::Child;
use std::time::Duration;

use driver::{Browser, DESKTOP, PHONE, Viewport};
use serde_json::json;

const PASSWORD: &str = "a long passphrase";

/// `djcrm serve` on SQLite in a folder of its own, killed when dropped.
struct Server {
    base: String,
    process: Child,
    _folder: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn server() -> Server {
    let folder = tempfile::tempdir().expect("a folder");
    let port = common::free_port();
    let database = format!("sqlite://{}", folder.path().join("crm.db").display());
    let process = common::serve(port, &database, &folder.path().join("outbox"))
        .env("DJCRM_LOG__FILTER", "warn")
        .spawn()
        .expect("djcrm serve");
    let server = Server {
        base: format!("http://127.0.0.1:{port}"),
        process,
        _folder: folder,
    };
    let client = reqwest::Client::new();
    let health = format!("{}/healthz", server.base);
    for _ in 0..100 {
        if client
            .get(&health)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start");
}

async fn sign_up(browser: &Browser, email: &str) {
    browser.open("/signup").await;
    browser.fill("#organization_name", "Acme Sales").await;
    browser.fill("#full_name", "Olive Owner").await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("main form button[type=submit]").await;
    assert_eq!(browser.path().await, "/");
    assert!(browser.text("[data-flash]").await.contains("Welcome"));
}

async fn new_lead(
    browser: &Browser,
    first: &str,
    last: &str,
    category: Option<&str>,
    agent: Option<&str>,
) {
    browser.open("/leads/new").await;
    browser.fill("#first_name", first).await;
    browser.fill("#last_name", last).await;
    browser
        .fill("#email", &format!("{}@example.com", first.to_lowercase()))
        .await;
    if let Some(category) = category {
        browser.choose("#category_id", category).await;
    }
    if let Some(agent) = agent {
        browser.choose("#agent_id", agent).await;
    }
    browser.submit("main form button[type=submit]").await;
    assert_eq!(
        browser.text("[data-lead-name]").await,
        format!("{first} {last}")
    );
}

/// Screenshots of the main pages in the current theme, each checked for text
/// under WCAG AA contrast.
async fn pictures(browser: &Browser, lead_path: &str) {
    for (path, name) in [
        ("/", "dashboard"),
        ("/leads", "leads"),
        (lead_path, "lead"),
        ("/board", "board"),
    ] {
        browser.open(path).await;
        browser.screenshot(name).await;
        let poor = browser.poor_contrast().await;
        assert!(
            poor.is_empty(),
            "{name}: contrast under AA:\n{}",
            poor.join("\n")
        );
    }
}

async fn journey(viewport: Viewport) {
    let _turn = driver::turn().await;
    let server = server().await;
    let browser = Browser::start(&server.base, viewport).await;
    let owner = "olive@acme.test";
    let agent = "alice@acme.test";

    // The organizer signs up, adds an agent and a category.
    sign_up(&browser, owner).await;
    browser.open("/agents").await;
    browser.fill("#full_name", "Alice Agent").await;
    browser.fill("#email", agent).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("[data-add-agent] button[type=submit]").await;
    browser.find(&format!("tr[data-agent='{agent}']")).await;
    browser.open("/categories").await;
    browser.fill("#name", "Web").await;
    browser
        .submit("[data-add-category] button[type=submit]")
        .await;
    browser.find("[data-category='Web']").await;

    // Two leads: one for Alice, one left unassigned.
    new_lead(&browser, "Grace", "Hopper", None, None).await;
    new_lead(
        &browser,
        "Ada",
        "Lovelace",
        Some("Web"),
        Some("Alice Agent"),
    )
    .await;
    let lead_path = browser.path().await;
    assert_eq!(browser.text("[data-lead-agent]").await, "Alice Agent");

    // On the board, Ada moves from New to Contacted; a jump to Converted is refused
    // and her card stays put.
    browser.open("/board").await;
    browser
        .find("section[data-status='new'] li[data-name='Ada Lovelace']")
        .await;
    // The page came gzipped (its CSRF token masked, so that is safe).
    let sizes = browser
        .run(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return [n.encodedBodySize, n.decodedBodySize];",
        )
        .await;
    let (sent, html) = (sizes[0].as_u64(), sizes[1].as_u64());
    assert!(
        sent.zip(html).is_some_and(|(sent, html)| sent * 2 < html),
        "{sizes}"
    );
    browser.drag("Ada Lovelace", "contacted").await;
    browser
        .until(
            "return !!document.querySelector(\"section[data-status='contacted'] li[data-name='Ada Lovelace']\")",
            "the card's move to Contacted",
        )
        .await;
    assert_eq!(
        browser.text("[data-board-message]").await,
        "Moved Ada Lovelace to Contacted."
    );
    browser.drag("Ada Lovelace", "converted").await;
    browser
        .until(
            "return document.querySelector('[data-board-message]').innerText.includes('cannot move')",
            "the refusal of the move to Converted",
        )
        .await;
    browser.open("/board").await;
    browser
        .find("section[data-status='contacted'] li[data-name='Ada Lovelace']")
        .await;
    assert!(
        browser
            .all("section[data-status='converted'] li")
            .await
            .is_empty()
    );

    // Alice logs in: she sees her lead only, and no organizer page.
    browser.log_out().await;
    browser.log_in(agent, PASSWORD).await;
    assert_eq!(browser.path().await, "/");
    browser.open("/leads").await;
    let rows = browser.all("tr[data-lead-id]").await;
    assert_eq!(rows.len(), 1, "{}", browser.describe().await);
    assert!(browser.text("[data-leads]").await.contains("Ada Lovelace"));
    assert!(browser.all("a[href='/agents']").await.is_empty());
    browser.open("/agents").await;
    assert!(browser.text("main h1").await.contains("Not allowed"));

    // She adds a note on Ada's page.
    browser.open(&lead_path).await;
    browser
        .fill("#body", "Called her: wants a demo on Friday.")
        .await;
    browser.submit("[data-note] button[type=submit]").await;
    assert!(
        browser
            .text("[data-history]")
            .await
            .contains("wants a demo on Friday")
    );
    browser.log_out().await;

    // The organizer sees who did what, and the dashboard.
    browser.log_in(owner, PASSWORD).await;
    browser.open(&lead_path).await;
    let history = browser.text("[data-history]").await;
    assert!(history.contains("Alice Agent added a note"), "{history}");
    assert!(
        history.contains("Olive Owner moved the lead from New to Contacted"),
        "{history}"
    );
    browser.open("/").await;
    assert_eq!(
        browser
            .text("[data-pipeline] [data-status='contacted'] [data-count]")
            .await,
        "1"
    );
    assert!(
        browser
            .text("[data-recent]")
            .await
            .contains("Alice Agent added a note")
    );
    browser.find("svg[data-chart='funnel']").await;
    browser.find("svg[data-chart='pipeline-history']").await;
    pictures(&browser, &lead_path).await;

    // Dark mode, chosen with the toggle, survives a reload.
    let dark = "return document.documentElement.classList.contains('dark')";
    assert_eq!(browser.run(dark).await, json!(false));
    browser.click("[data-theme-toggle]").await;
    assert_eq!(browser.run(dark).await, json!(true));
    browser.open("/").await;
    assert_eq!(browser.run(dark).await, json!(true));
    assert_eq!(
        browser
            .find("[data-theme-toggle]")
            .await
            .attr("aria-pressed")
            .await
            .expect("an attribute")
            .as_deref(),
        Some("true")
    );
    pictures(&browser, &lead_path).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sales_team_works_through_the_ui_on_a_desktop() {
    journey(DESKTOP).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sales_team_works_through_the_ui_on_a_phone() {
    journey(PHONE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_is_refused() {
    let _turn = driver::turn().await;
    let server = server().await;
    let browser = Browser::start(&server.base, DESKTOP).await;
    sign_up(&browser, "olive@acme.test").await;
    browser.open("/categories").await;
    browser.fill("#name", "Forged").await;
    browser
        .run("document.querySelector('[data-add-category] input[name=csrf]').remove(); return true")
        .await;
    browser
        .submit("[data-add-category] button[type=submit]")
        .await;
    assert!(
        browser.text("main h1").await.contains("Form expired"),
        "{}",
        browser.describe().await
    );
    browser.open("/categories").await;
    assert!(browser.all("[data-category='Forged']").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organizer_adds_a_webhook_and_imports_leads_from_a_csv_file() {
    let _turn = driver::turn().await;
    let server = server().await;
    let browser = Browser::start(&server.base, DESKTOP).await;
    sign_up(&browser, "olive@acme.test").await;

    // A URL that is not one is refused beside its field, and what was typed stays.
    browser.open("/webhooks").await;
    browser.fill("#url", "not a url").await;
    browser
        .submit("form[data-add-webhook] button[type=submit]")
        .await;
    assert!(!browser.text("#url-error").await.is_empty());
    let typed = browser.find("#url").await.prop("value").await;
    assert_eq!(typed.ok().flatten().as_deref(), Some("not a url"));

    // A good one is added and its signing secret shown once.
    browser.fill("#url", "https://hooks.example.com/crm").await;
    browser
        .submit("form[data-add-webhook] button[type=submit]")
        .await;
    assert_eq!(
        browser.text("[data-webhook-url]").await,
        "https://hooks.example.com/crm"
    );
    assert!(
        browser
            .text("[data-webhook-secret]")
            .await
            .contains("secret")
    );
    browser.open("/webhooks").await;
    browser
        .find("[data-webhook='https://hooks.example.com/crm']")
        .await;

    // A CSV file is uploaded, read by the background job, and its leads listed.
    let folder = tempfile::tempdir().expect("a folder");
    let file = folder.path().join("expo.csv");
    std::fs::write(
        &file,
        "first_name,last_name,email\nAda,Lovelace,ada@example.com\nAlan,Turing,not-an-email\n",
    )
    .expect("the CSV file");
    browser.open("/imports").await;
    // A file input takes the file's path as typed keys (and cannot be cleared).
    browser
        .find("#file")
        .await
        .send_keys(file.to_str().expect("a UTF-8 path"))
        .await
        .expect("the file chosen");
    browser
        .submit("form[data-upload] button[type=submit]")
        .await;
    assert!(browser.path().await.starts_with("/imports/"));
    for _ in 0..50 {
        if browser.text("[data-import-state]").await == "Done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let path = browser.path().await;
        browser.open(&path).await;
    }
    assert_eq!(browser.text("[data-import-state]").await, "Done");
    assert_eq!(browser.text("[data-count='created']").await, "1");
    assert_eq!(browser.text("[data-count='rejected']").await, "1");
    assert!(browser.text("[data-rejections]").await.contains("email"));

    // The report link downloads every refused row as CSV, with the session cookie.
    let report = browser
        .run(
            "return fetch(document.querySelector('a[download]').href)\
             .then(async r => [r.status, r.headers.get('content-type'), \
             r.headers.get('content-disposition'), await r.text()]);",
        )
        .await;
    assert_eq!(report[0], 200, "{report}");
    assert_eq!(report[1], "text/csv; charset=utf-8", "{report}");
    assert!(
        report[2]
            .as_str()
            .is_some_and(|d| d.starts_with("attachment")),
        "{report}"
    );
    let csv = report[3].as_str().unwrap_or_default();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("line,column,reason"), "{csv}");
    let row = lines.next().unwrap_or_default();
    assert!(row.starts_with("3,email,"), "{csv}");
    assert_eq!(lines.next(), None, "{csv}");

    browser.open("/leads").await;
    assert!(browser.text("main").await.contains("Ada Lovelace"));
}

/// The contrast check the journeys run finds faint text: its silence there means
/// something.
#[tokio::test(flavor = "multi_thread")]
async fn the_contrast_check_finds_faint_text() {
    let _turn = driver::turn().await;
    let server = server().await;
    let browser = Browser::start(&server.base, DESKTOP).await;
    browser.open("/login").await;
    assert_eq!(browser.poor_contrast().await, Vec::<String>::new());
    browser
        .run(
            "const p = document.createElement('p'); p.textContent = 'faint words'; \
             p.style.color = 'oklch(0.85 0 0)'; document.querySelector('main').append(p); \
             return true",
        )
        .await;
    let poor = browser.poor_contrast().await;
    assert_eq!(poor.len(), 1, "{poor:?}");
    assert!(poor[0].contains("faint words"), "{poor:?}");
}
