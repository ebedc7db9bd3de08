//! `djcrm config --print-default`: a commented `djcrm.toml` that reads back as the
//! defaults, and the README's configuration table that names the same keys.

use std::collections::BTreeMap;

use djcrm_bin::config::{Settings, to_commented_toml};
use figment::Figment;
use figment::providers::{Format, Toml};

fn printed_defaults() -> String {
    to_commented_toml(&Settings::default()).expect("the defaults print")
}

/// `section.key` -> the printed value (`None` for a key printed commented out,
/// unset by default).
fn printed_keys(printed: &str) -> BTreeMap<String, Option<String>> {
    let mut keys = BTreeMap::new();
    let mut section = String::new();
    for line in printed.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some(key) = line
            .strip_prefix("# ")
            .and_then(|l| l.strip_suffix(" = (unset)"))
        {
            keys.insert(format!("{section}.{key}"), None);
        } else if let Some((key, value)) = line.split_once(" = ").filter(|_| !line.starts_with('#'))
        {
            keys.insert(format!("{section}.{key}"), Some(value.to_owned()));
        }
    }
    keys
}

/// The README's configuration table: `section.key` -> (environment, default).
fn readme_table() -> BTreeMap<String, (String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let start = readme
        .find("| key | environment | default | meaning |")
        .expect("the configuration table");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let unquote = |cell: &str| cell.split('`').nth(1).unwrap_or(cell).to_owned();
            (unquote(cells[1]), (unquote(cells[2]), unquote(cells[3])))
        })
        .collect()
}

#[test]
fn the_printed_defaults_read_back_as_the_defaults() {
    let read: Settings = Figment::new()
        .merge(Toml::string(&printed_defaults()))
        .extract()
        .expect("the printed file is a valid djcrm.toml");
    assert_eq!(read, Settings::default());
}

#[test]
fn the_readme_table_names_every_printed_key_and_no_other() {
    let printed: Vec<String> = printed_keys(&printed_defaults()).into_keys().collect();
    let documented: Vec<String> = readme_table().into_keys().collect();
    assert_eq!(documented, printed, "README.md's configuration table");
}

#[test]
fn the_readme_names_each_keys_environment_variable() {
    for (key, (environment, _)) in readme_table() {
        let expected = format!("DJCRM_{}", key.replace('.', "__").to_uppercase());
        assert_eq!(environment, expected, "the environment variable of {key}");
    }
}

#[test]
fn the_readme_gives_each_keys_default() {
    let printed = printed_keys(&printed_defaults());
    for (key, (_, default)) in readme_table() {
        // Unset and empty defaults are described in words ("none", "empty").
        let Some(Some(value)) = printed.get(&key) else {
            continue;
        };
        let value = value.trim_matches('"');
        if value.is_empty() {
            continue;
        }
        assert_eq!(default, value, "the default of {key}");
    }
}
