//! `djcrm-admin leads import`, `imports` and `import-revert`, run as operators run
//! them, on both stores: bad rows reported by line while the good ones land, an
//! export that imports back to the same data, a revert that removes exactly its
//! batch, and a dry run that writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use djcrm_application::agents::CreateAgentRequest;
use djcrm_application::auth::SignupRequest;
use djcrm_bin::config::Settings;
use djcrm_bin::startup::{AnyStore, Shared, crm};
use djcrm_domain::OrgId;
use djcrm_domain::ports::Store;
use serde_json::Value;

mod common;

/// An operator's shell: one database, one working folder.
struct Operator {
    dir: tempfile::TempDir,
    url: String,
    org: String,
}

impl Operator {
    async fn new(url: String) -> Self {
        let dir = tempfile::tempdir().expect("a folder");
        let mut settings = Settings::default();
        settings.database.url = url.clone();
        let org = match AnyStore::connect(&settings, true).await.expect("a store") {
            AnyStore::Sqlite(store) => acme(store, &settings).await,
            AnyStore::Postgres(store) => acme(store, &settings).await,
        };
        Self {
            dir,
            url,
            org: org.to_string(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_djcrm-admin"))
            .args(args)
            .current_dir(self.dir.path())
            .env("DJCRM_DATABASE__URL", &self.url)
            .env("DJCRM_CONFIG", self.dir.path().join("none.toml"))
            .env("DJCRM_LOG__FILTER", "error")
            .output()
            .expect("djcrm-admin runs")
    }

    /// Runs a command that must succeed; its `--json` report.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let output = self.run(&all);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("a JSON report")
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("a file");
        path
    }

    fn import(&self, file: &Path, extra: &[&str]) -> Value {
        let mut args = vec![
            "leads",
            "import",
            file.to_str().expect("a path"),
            "--org",
            &self.org,
        ];
        args.extend_from_slice(extra);
        self.json(&args)
    }

    /// The export's rows without the columns an import does not carry over (the
    /// id and the times), sorted.
    fn exported(&self) -> Vec<Vec<String>> {
        let output = self.run(&["leads", "export", "--org", &self.org]);
        assert!(output.status.success());
        let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
        let mut rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| {
                let r = r.expect("a row");
                (1..=8).map(|i| r[i].to_owned()).collect()
            })
            .collect();
        rows.sort();
        rows
    }
}

/// An organization with an agent, Grace.
async fn acme<S: Store>(store: S, settings: &Settings) -> OrgId {
    let crm = crm(store, settings, Shared::connect(settings).expect("a cache"));
    let owner = crm
        .signup(SignupRequest {
            organization_name: "Acme".into(),
            email: "olive@acme.test".into(),
            password: "correct horse battery".into(),
            full_name: "Olive Owner".into(),
        })
        .await
        .expect("a signup");
    let actor = crm.authenticate(&owner.token).await.expect("the owner");
    crm.create_agent(
        &actor,
        CreateAgentRequest {
            email: "grace@acme.test".into(),
            full_name: "Grace".into(),
            password: "agent password 1".into(),
        },
    )
    .await
    .expect("an agent");
    actor.org_id
}

async fn bad_rows_are_reported_and_the_good_ones_imported(operator: Operator) {
    let mut file = b"first_name,last_name,email,description\n\
        Ada,Lovelace,ada@acme.test,first\n\
        Bad,Email,not an email,\n\
        Missing,,missing@acme.test,\n\
        Too,Many,columns@acme.test,x,y\n\
        Bad,Bytes,bytes@acme.test,caf\xe9\n"
        .to_vec();
    file.extend_from_slice(b"Huge,Field,huge@acme.test,\"");
    file.extend(std::iter::repeat_n(b'x', 1024 * 1024));
    file.extend_from_slice(b"\"\nGrace,Hopper,,last\n");
    let path = operator.file("contacts.csv", &file);
    let report = operator.import(&path, &[]);
    assert_eq!(report["counts"]["rows"], 7, "{report}");
    assert_eq!(report["counts"]["created"], 2);
    assert_eq!(report["counts"]["rejected"], 5);

    let rejected = std::fs::read_to_string(operator.dir.path().join("contacts.rejected.csv"))
        .expect("the report beside the file");
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines[0], "line,column,reason");
    assert!(lines[1].starts_with("3,email,"), "{rejected}");
    assert_eq!(lines[2], "4,last_name,is required");
    assert_eq!(lines[3], "5,,the row has 5 fields where the header has 4");
    assert_eq!(lines[4], "6,description,is not valid UTF-8");
    assert_eq!(lines[5], "7,,the row is longer than 64 KiB");
    assert_eq!(lines.len(), 6, "{rejected}");
    let names: Vec<String> = operator
        .exported()
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(names, ["Ada", "Grace"]);
}

async fn an_export_imports_back_to_the_same_data(operator: Operator) {
    let path = operator.file(
        "leads.csv",
        "Given name,Surname,E-mail,Phone,Notes,Stage,Category,Agent\n\
         Ada,Lovelace,ada@acme.test,+44 20 7946 0000,\"met at the fair, \"\"keen\"\"\nwants a call\",qualified,Roofing,grace@acme.test\n\
         Alan,Turing,,,,,Roofing,\n\
         Émilie,du Châtelet,emilie@acme.test,,,converted,Physique,\n\
         Grace,Hopper,grace.h@acme.test,555-0100,,lost,,GRACE@acme.test\n"
            .as_bytes(),
    );
    let first = operator.import(&path, &["--map", "Given name=first_name"]);
    assert_eq!(first["counts"]["created"], 4, "{first}");
    let before = operator.exported();
    let exported = operator.run(&["leads", "export", "--org", &operator.org]);
    let export = operator.file("export.csv", &exported.stdout);

    // The leads go, then come back from the export alone.
    let id = first["import_id"].as_str().expect("an id");
    operator.json(&["leads", "import-revert", "--org", &operator.org, id]);
    assert!(operator.exported().is_empty());
    let again = operator.import(&export, &[]);
    assert_eq!(again["counts"]["created"], 4, "{again}");
    assert_eq!(again["ignored_columns"], Value::Array(Vec::new()));
    assert_eq!(operator.exported(), before, "lossless");

    // Imported once more, every row with an email is a duplicate and left alone;
    // a lead without one cannot be recognised, so it comes in again.
    let duplicates = operator.import(&export, &[]);
    assert_eq!(duplicates["counts"]["skipped"], 3, "{duplicates}");
    assert_eq!(duplicates["counts"]["created"], 1);
    let after = operator.exported();
    assert_eq!(after.len(), before.len() + 1);
    assert!(before.iter().all(|row| after.contains(row)));
}

async fn a_revert_removes_exactly_its_batch(operator: Operator) {
    let first = operator.file(
        "first.csv",
        b"first_name,last_name,email\nAda,Lovelace,ada@acme.test\nAlan,Turing,alan@acme.test\n",
    );
    operator.import(&first, &[]);
    let second = operator.file(
        "second.csv",
        b"first_name,last_name,email,phone\nAda,Byron,ada@acme.test,+1 555 0100\nGrace,Hopper,grace.h@acme.test,\nEdsger,Dijkstra,,\n",
    );
    let batch = operator.import(&second, &["--duplicates", "update"]);
    assert_eq!(batch["counts"]["created"], 2, "{batch}");
    assert_eq!(batch["counts"]["updated"], 1);
    let id = batch["import_id"].as_str().expect("an id");

    let reverted = operator.json(&["leads", "import-revert", "--org", &operator.org, id]);
    assert_eq!(reverted["leads_deleted"], 2, "{reverted}");
    let left: Vec<(String, String)> = operator
        .exported()
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(
        left,
        [
            ("Ada".to_owned(), "Byron".to_owned()),
            ("Alan".to_owned(), "Turing".to_owned())
        ],
        "the first batch stays, with the update the second made"
    );
    let imports = operator.json(&["leads", "imports", "--org", &operator.org]);
    assert_eq!(imports["imports"][0]["state"], "reverted");
    assert_eq!(imports["imports"][1]["state"], "done");

    let twice = operator.run(&["leads", "import-revert", "--org", &operator.org, id]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already reverted"));
}

async fn a_dry_run_writes_nothing(operator: Operator) {
    let path = operator.file(
        "leads.csv",
        b"first_name,last_name,category\nAda,Lovelace,New category\nBad,,\n",
    );
    let report = operator.import(&path, &["--dry-run"]);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["counts"]["created"], 1, "{report}");
    assert_eq!(report["counts"]["rejected"], 1);
    assert!(operator.exported().is_empty());
    let imports = operator.json(&["leads", "imports", "--org", &operator.org]);
    assert_eq!(imports["imports"], Value::Array(Vec::new()));
}

async fn a_header_without_names_fails_with_one_line(operator: Operator) {
    let path = operator.file("leads.csv", b"email\nada@acme.test\n");
    let output = operator.run(&[
        "leads",
        "import",
        path.to_str().expect("a path"),
        "--org",
        &operator.org,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no column holds first_name"), "{stderr}");
}

macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let dir = tempfile::tempdir().expect("a folder");
                    let url = format!("sqlite://{}", dir.path().join("djcrm.db").display());
                    super::$test(super::Operator::new(url).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let database = crate::common::Database::create().await;
                    super::$test(super::Operator::new(database.url.clone()).await).await;
                    database.drop_now().await;
                }
            )*
        }
    };
}

on_both_stores!(
    bad_rows_are_reported_and_the_good_ones_imported,
    an_export_imports_back_to_the_same_data,
    a_revert_removes_exactly_its_batch,
    a_dry_run_writes_nothing,
    a_header_without_names_fails_with_one_line,
);
