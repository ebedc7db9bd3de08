//! `djcrm-admin leads import`, `imports` and `import-revert`: an operator's import
//! of a CSV file, with a progress bar on a terminal (plain lines otherwise) and a
//! report of the refused rows written beside the file.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use djcrm_application::imports::{
    Columns, ImportError, ImportObserver, ImportRequest, parse_mapping, report_csv,
};
use djcrm_application::{Crm, PageParams};
use djcrm_domain::ports::Store;
use djcrm_domain::{Duplicates, Import, ImportId, OrgId, Rejection};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::{Failure, Report, fail, organization_id};

/// What `leads import` reads.
#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// The organization's id.
    #[arg(long)]
    org: String,
    /// A header mapped to a column, `HEADER=COLUMN` (columns: first_name,
    /// last_name, email, phone, description, status, category, agent_email,
    /// ignore); repeat for several.
    #[arg(long = "map", value_name = "HEADER=COLUMN")]
    map: Vec<String>,
    /// What to do with a row whose email a lead of the organization has.
    #[arg(long, value_enum, default_value_t = DuplicatesArg::Skip)]
    duplicates: DuplicatesArg,
    /// Check every row and count what would happen; write nothing. (Duplicates
    /// within the file are only seen within one batch.)
    #[arg(long)]
    dry_run: bool,
    /// Where to write the refused rows (default: FILE.rejected.csv beside it).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Rows per transaction.
    #[arg(long, default_value_t = djcrm_application::imports::BATCH_ROWS)]
    batch: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum DuplicatesArg {
    /// Leave the lead as it is.
    Skip,
    /// Write the row's details over the lead's.
    Update,
}

/// Progress on stderr and the report file, as the import goes.
struct Watch {
    started: Instant,
    bar: Option<ProgressBar>,
    last_line: Instant,
    report_path: PathBuf,
    report: Option<std::io::BufWriter<std::fs::File>>,
    failure: Option<String>,
    unknown: Vec<String>,
}

impl Watch {
    fn new(size: u64, report_path: PathBuf) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(size);
            let style =
                ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes}  {msg}  eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Self {
            started: Instant::now(),
            bar,
            last_line: Instant::now(),
            report_path,
            report: None,
            failure: None,
            unknown: Vec::new(),
        }
    }

    fn rate(&self, rows: u64) -> u64 {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        // Rounded for display only.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let rate = (rows as f64 / seconds) as u64;
        rate
    }

    fn write(&mut self, rejection: &Rejection) -> std::io::Result<()> {
        if self.report.is_none() {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&self.report_path)?);
            file.write_all(&report_csv(&[], true).map_err(std::io::Error::other)?)?;
            self.report = Some(file);
        }
        let bytes =
            report_csv(std::slice::from_ref(rejection), false).map_err(std::io::Error::other)?;
        match self.report.as_mut() {
            Some(file) => file.write_all(&bytes),
            None => Ok(()),
        }
    }
}

impl ImportObserver for Watch {
    fn columns(&mut self, columns: &Columns) {
        self.unknown = columns.unknown().to_vec();
    }

    fn progress(&mut self, import: &Import, bytes: u64) {
        let rows = import.counts.rows;
        let rate = self.rate(rows);
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            bar.set_message(format!("{rows} rows, {rate} rows/s"));
        } else if self.last_line.elapsed() >= Duration::from_secs(2) {
            self.last_line = Instant::now();
            eprintln!(
                "{rows} rows read ({rate} rows/s), {} of {} bytes",
                bytes, import.size_bytes
            );
        }
    }

    fn rejected(&mut self, rejection: &Rejection) {
        if self.failure.is_none()
            && let Err(error) = self.write(rejection)
        {
            self.failure = Some(format!(
                "cannot write the report {}: {error}",
                self.report_path.display()
            ));
        }
    }
}

fn default_report(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    file.with_file_name(format!("{stem}.rejected.csv"))
}

pub(super) async fn import<S: Store>(crm: &Crm<S>, args: ImportArgs) -> Result<Report, Failure> {
    let org = organization_id(&args.org)?;
    crm.organization_overview(org).await?;
    let mapping = parse_mapping(args.map.iter().map(String::as_str))
        .map_err(|e| Failure(format!("--map: {e}")))?;
    let unreadable =
        |e: std::io::Error| Failure(format!("cannot read {}: {e}", args.file.display()));
    let file = tokio::fs::File::open(&args.file)
        .await
        .map_err(unreadable)?;
    let size = file.metadata().await.map_err(unreadable)?.len();
    let request = ImportRequest {
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        duplicates: match args.duplicates {
            DuplicatesArg::Skip => Duplicates::Skip,
            DuplicatesArg::Update => Duplicates::Update,
        },
        mapping,
    };
    let import = if args.dry_run {
        crm.draft_import(org, request, size)
    } else {
        crm.start_import(org, request, size).await?
    };
    let report_path = args.report.unwrap_or_else(|| default_report(&args.file));
    let mut watch = Watch::new(size, report_path);
    let source = tokio::io::BufReader::with_capacity(256 * 1024, file);
    let importer = crm.importer().batch_rows(args.batch);
    let result = importer
        .run(import.clone(), source, args.dry_run, &mut watch)
        .await;
    if let Some(bar) = &watch.bar {
        bar.finish_and_clear();
    }
    if let Some(report) = watch.report.as_mut() {
        report.flush().map_err(fail)?;
    }
    let done = match result {
        Ok(done) => done,
        Err(error) => {
            let reason = djcrm_domain::chain(&error);
            if !args.dry_run && !matches!(error, ImportError::Columns(_) | ImportError::Stopped(_))
            {
                // Best effort: the import is marked failed so it can be seen and
                // reverted; the reason printed is the first failure either way.
                let _ = importer.fail(&import, &reason).await;
            }
            return Err(Failure(format!("import {} stopped: {reason}", import.id)));
        }
    };
    if let Some(failure) = watch.failure {
        return Err(Failure(failure));
    }
    let counts = done.counts;
    let seconds = watch.started.elapsed().as_secs_f64();
    let rate = watch.rate(counts.rows);
    let report_file = watch
        .report
        .is_some()
        .then(|| watch.report_path.display().to_string());
    let mut text = format!(
        "{} import {}: {} rows in {seconds:.1} s ({rate} rows/s): {} created, {} updated, {} skipped as duplicates, {} rejected",
        if args.dry_run { "dry run of" } else { "done:" },
        done.id,
        counts.rows,
        counts.created,
        counts.updated,
        counts.skipped,
        counts.rejected,
    );
    if let Some(path) = &report_file {
        text.push_str(&format!("\nrejected rows: {path}"));
    }
    if !watch.unknown.is_empty() {
        text.push_str(&format!(
            "\ncolumns left alone (map them with --map): {}",
            watch.unknown.join(", ")
        ));
    }
    if !args.dry_run {
        text.push_str(&format!(
            "\nrevert with: djcrm-admin leads import-revert --org {org} {}",
            done.id
        ));
    }
    Ok(Report {
        json: json!({
            "import_id": done.id,
            "dry_run": args.dry_run,
            "state": done.state.as_str(),
            "counts": counts,
            "seconds": seconds,
            "rows_per_second": rate,
            "report": report_file,
            "ignored_columns": watch.unknown,
        }),
        text,
    })
}

fn import_json(import: &Import) -> serde_json::Value {
    json!({
        "id": import.id,
        "file_name": import.file_name,
        "origin": import.origin.as_str(),
        "state": import.state.as_str(),
        "duplicates": import.duplicates.as_str(),
        "counts": import.counts,
        "error": import.error,
        "created_at": import.created_at,
        "finished_at": import.finished_at,
    })
}

fn import_line(import: &Import) -> String {
    let c = import.counts;
    format!(
        "{}\t{}\t{}\t{}\trows={} created={} updated={} skipped={} rejected={}{}",
        import.id,
        import.created_at.to_rfc3339(),
        import.state.as_str(),
        import.file_name,
        c.rows,
        c.created,
        c.updated,
        c.skipped,
        c.rejected,
        import
            .error
            .as_deref()
            .map(|e| format!("\terror={e}"))
            .unwrap_or_default()
    )
}

pub(super) async fn list<S: Store>(crm: &Crm<S>, org: OrgId) -> Result<Report, Failure> {
    crm.organization_overview(org).await?;
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = crm
            .imports_of(
                org,
                &PageParams {
                    limit: Some(100),
                    cursor,
                },
            )
            .await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let text = all
        .iter()
        .map(import_line)
        .chain(std::iter::once(format!("{} import(s)", all.len())))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Report {
        json: json!({ "imports": all.iter().map(import_json).collect::<Vec<_>>() }),
        text,
    })
}

pub(super) async fn revert<S: Store>(
    crm: &Crm<S>,
    org: OrgId,
    import: &str,
) -> Result<Report, Failure> {
    let id: ImportId = import
        .parse()
        .map_err(|_| Failure("the import must be an import id (a UUID)".to_owned()))?;
    let (reverted, deleted) = crm.revert_import(None, org, id).await?;
    Ok(Report {
        json: json!({ "import": import_json(&reverted), "leads_deleted": deleted }),
        text: format!(
            "import {id} reverted: {deleted} lead(s) deleted; the {} it updated are left as they are",
            reverted.counts.updated
        ),
    })
}
