//! The configuration as a commented `djcrm.toml`: every key, under its
//! documentation (the doc comments of the settings, read through their JSON
//! Schema), with its value. `djcrm config --print-default` prints the defaults,
//! a file to start from; `djcrm config` what this process would run with.

use serde_json::Value;

use super::{Settings, redact_url};

/// `settings` as a commented TOML file. Keys without a value (unset options) are
/// printed commented out, so every key is there.
///
/// # Errors
/// When the settings cannot be written as TOML (a value TOML cannot hold).
pub fn to_commented_toml(settings: &Settings) -> Result<String, PrintError> {
    let schema = serde_json::to_value(schemars::schema_for!(Settings)).map_err(PrintError::Json)?;
    let values = toml::Value::try_from(settings).map_err(PrintError::Toml)?;
    let mut out = String::from(
        "# DJ CRM configuration (djcrm.toml, or the file DJCRM_CONFIG names).\n\
         # Every key can also be set in the environment: DJCRM_<SECTION>__<KEY>,\n\
         # e.g. DJCRM_DATABASE__URL. The environment wins over this file.\n",
    );
    let sections = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (section, section_schema) in sections {
        out.push('\n');
        comment(&mut out, section_schema);
        out.push_str(&format!("[{section}]\n"));
        let table = values.get(section).and_then(toml::Value::as_table);
        let keys = resolve(&schema, section_schema)
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten();
        for (key, key_schema) in keys {
            comment(&mut out, key_schema);
            match table.and_then(|t| t.get(key)) {
                Some(value) => out.push_str(&format!("{key} = {value}\n")),
                None => out.push_str(&format!("# {key} = (unset)\n")),
            }
        }
    }
    Ok(out)
}

/// `settings` with every password in a URL replaced by `***`, for printing.
#[must_use]
pub fn redacted(settings: &Settings) -> Settings {
    let mut shown = settings.clone();
    shown.database.url = redact_url(&shown.database.url);
    shown.cache.url = redact_url(&shown.cache.url);
    shown.queue.url = shown.queue.url.as_deref().map(redact_url);
    shown.mail.smtp_url = shown.mail.smtp_url.as_deref().map(redact_url);
    shown.metrics.token = shown.metrics.token.as_ref().map(|_| "***".to_owned());
    shown.errors.sentry_dsn = shown.errors.sentry_dsn.as_deref().map(redact_url);
    shown
}

/// The schema `schema` refers to (`$ref` into `$defs`), or itself.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/"))
        .map_or(schema, |path| {
            path.split('/')
                .try_fold(root, |node, part| node.get(part))
                .unwrap_or(schema)
        })
}

/// The schema's description as `#` lines.
fn comment(out: &mut String, schema: &Value) {
    let Some(description) = schema.get("description").and_then(Value::as_str) else {
        return;
    };
    for line in description.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str(&format!("# {line}\n"));
        }
    }
}

/// Why the configuration could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Its schema could not be read.
    #[error("describing the configuration")]
    Json(#[source] serde_json::Error),
    /// A value has no TOML form.
    #[error("writing the configuration as TOML")]
    Toml(#[source] toml::ser::Error),
}
