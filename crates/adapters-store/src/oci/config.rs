//! The OCI config file (`~/.oci/config`): read with the OCI SDK's rules and
//! rewritten as a line-preserving editor.
//!
//! Rules (OCI's "SDK and CLI Configuration File" page): INI, profiles are sections, `[DEFAULT]`
//! values are inherited by every profile, keys are case-insensitive, no
//! interpolation, no inline comments (a `#` inside a value is part of it).
//! Rewriting one profile touches only that profile's key lines (or appends
//! them), so every other byte — profiles, comments, order, line endings — stays.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oci_iam_sso_domain::expand_tilde;
use oci_iam_sso_domain::oci::OciProfileName;
use oci_iam_sso_domain::oci::layout;

/// The config file's location: `--config-file`, else `OCI_CLI_CONFIG_FILE`, else `~/.oci/config`.
pub fn config_location(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    home: &Path,
) -> PathBuf {
    let chosen = flag
        .map(Path::to_path_buf)
        .or_else(|| {
            env("OCI_CLI_CONFIG_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| {
            Path::new("~")
                .join(layout::OCI_DIR)
                .join(layout::CONFIG_FILE)
        });
    expand_tilde(&chosen.to_string_lossy(), home)
}

/// The profile's name: `--profile`, else `OCI_CLI_PROFILE`, else `DEFAULT`.
pub fn profile_name(flag: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> String {
    flag.map(str::to_owned)
        .or_else(|| env("OCI_CLI_PROFILE").filter(|v| !v.is_empty()))
        .unwrap_or_else(|| OciProfileName::DEFAULT.to_owned())
}

/// A malformed config file: the line number (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ConfigSyntaxError {
    pub line: usize,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// Blank or comment (`#`, `;`): kept as is.
    Other,
    Section(String),
    /// Lowercased key and its value (trimmed).
    Entry(String, String),
}

/// A parsed config file that remembers its exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciConfig {
    /// Each line with its own line ending, so the file can be written back byte for byte.
    raw: Vec<String>,
    parsed: Vec<Line>,
}

fn classify(text: &str, number: usize) -> Result<Line, ConfigSyntaxError> {
    let error = |problem: &str| ConfigSyntaxError {
        line: number,
        problem: problem.to_owned(),
    };
    let content = text.trim_end_matches(['\n', '\r']);
    let trimmed = content.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
        return Ok(Line::Other);
    }
    if content.starts_with([' ', '\t']) {
        return Err(error(
            "indented line (multi-line values are not supported in the OCI config)",
        ));
    }
    if let Some(rest) = trimmed.strip_prefix('[') {
        let name = rest
            .strip_suffix(']')
            .ok_or_else(|| error("a profile header must look like `[NAME]`"))?;
        if !valid_profile_name(name) {
            return Err(error(&format!(
                "profile name `{name}` must be made of A-Z a-z 0-9 . _ - @"
            )));
        }
        return Ok(Line::Section(name.to_owned()));
    }
    let split = trimmed
        .find(['=', ':'])
        .ok_or_else(|| error("expected `key=value`, a `[PROFILE]` header or a comment"))?;
    let key = trimmed[..split].trim();
    if key.is_empty() {
        return Err(error("a `key=value` line has no key"));
    }
    Ok(Line::Entry(
        key.to_ascii_lowercase(),
        trimmed[split + 1..].trim().to_owned(),
    ))
}

/// `^[A-Za-z0-9._\-@]+$`
pub fn valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// A profile name, key or value that [`OciConfig::set`] will not write. It
/// names the key, never the value (a value may be anything the caller had).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigValueError {
    #[error("profile name `{0}` must be made of A-Z a-z 0-9 . _ - @")]
    ProfileName(String),
    #[error("the key `{0}` is not a plain config key (letters, digits, `_`, `-`, `.`)")]
    Key(String),
    #[error("the value of `{0}` contains a line break or another control character")]
    Value(String),
}

/// Keys are this tool's own names; values come from flags, paths and tokens.
/// [`OciConfig::set`] checks with this; callers may check before other writes.
pub fn check_entries(profile: &str, entries: &[(&str, &str)]) -> Result<(), ConfigValueError> {
    if !valid_profile_name(profile) {
        return Err(ConfigValueError::ProfileName(
            profile.escape_debug().to_string(),
        ));
    }
    for (key, value) in entries {
        let plain_key = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !plain_key {
            return Err(ConfigValueError::Key(key.escape_debug().to_string()));
        }
        if value.chars().any(char::is_control) {
            return Err(ConfigValueError::Value((*key).to_owned()));
        }
    }
    Ok(())
}

impl OciConfig {
    pub fn empty() -> Self {
        Self {
            raw: Vec::new(),
            parsed: Vec::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, ConfigSyntaxError> {
        let raw: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        let mut parsed = Vec::with_capacity(raw.len());
        let mut seen = Vec::new();
        let mut in_section = false;
        for (index, line) in raw.iter().enumerate() {
            let classified = classify(line, index + 1)?;
            match &classified {
                Line::Section(name) => {
                    if seen.contains(name) {
                        return Err(ConfigSyntaxError {
                            line: index + 1,
                            problem: format!("profile [{name}] appears twice"),
                        });
                    }
                    seen.push(name.clone());
                    in_section = true;
                }
                Line::Entry(..) if !in_section => {
                    return Err(ConfigSyntaxError {
                        line: index + 1,
                        problem: "a `key=value` line before the first `[PROFILE]` header".into(),
                    });
                }
                _ => {}
            }
            parsed.push(classified);
        }
        Ok(Self { raw, parsed })
    }

    /// The file's text, exactly as read plus any edits.
    pub fn text(&self) -> String {
        self.raw.concat()
    }

    pub fn has_profile(&self, name: &str) -> bool {
        self.parsed
            .iter()
            .any(|l| matches!(l, Line::Section(s) if s == name))
    }

    fn section_entries(&self, name: &str) -> BTreeMap<String, String> {
        let mut entries = BTreeMap::new();
        let mut inside = false;
        for line in &self.parsed {
            match line {
                Line::Section(s) => inside = s == name,
                // configparser keeps the last of repeated keys.
                Line::Entry(k, v) if inside => {
                    entries.insert(k.clone(), v.clone());
                }
                _ => {}
            }
        }
        entries
    }

    /// Whether the profile's own section (not `[DEFAULT]`) sets `key`.
    pub fn section_has(&self, name: &str, key: &str) -> bool {
        self.section_entries(name)
            .contains_key(&key.to_ascii_lowercase())
    }

    /// Removes the lines of `keys` from the profile's own section; every
    /// other line stays.
    pub fn remove(&mut self, profile: &str, keys: &[&str]) {
        let mut inside = false;
        let mut index = 0;
        while index < self.parsed.len() {
            match &self.parsed[index] {
                Line::Section(s) => inside = s == profile,
                Line::Entry(k, _)
                    if inside && keys.iter().any(|key| key.eq_ignore_ascii_case(k)) =>
                {
                    self.parsed.remove(index);
                    self.raw.remove(index);
                    continue;
                }
                _ => {}
            }
            index += 1;
        }
    }

    /// The profile's keys (lowercase) with `[DEFAULT]` merged under them;
    /// `None` when the file has no such profile.
    pub fn profile(&self, name: &str) -> Option<BTreeMap<String, String>> {
        if !self.has_profile(name) {
            return None;
        }
        // `[DEFAULT]` is both the default profile and the values every profile inherits.
        let mut merged = self.section_entries(OciProfileName::DEFAULT);
        merged.extend(self.section_entries(name));
        Some(merged)
    }

    /// Sets keys of one profile, creating it at the end of the file when absent.
    /// Existing keys are replaced in place; new keys go after the profile's last
    /// key line. Every other line is left untouched.
    ///
    /// Refuses, changing nothing, a profile name, key or value that would not
    /// read back as written: a line break in a value would start a new line —
    /// another key (`user=…`) or another `[profile]` — so any control character is refused.
    pub fn set(&mut self, profile: &str, entries: &[(&str, &str)]) -> Result<(), ConfigValueError> {
        check_entries(profile, entries)?;
        if !self.has_profile(profile) {
            self.append_profile(profile, entries);
            return Ok(());
        }
        let ending = self.line_ending();
        for (key, value) in entries {
            let key_lower = key.to_ascii_lowercase();
            let new_line = format!("{key}={value}");
            let (mut inside, mut existing, mut last_entry, mut header) = (false, None, None, None);
            for (index, line) in self.parsed.iter().enumerate() {
                match line {
                    Line::Section(s) => {
                        inside = s == profile;
                        if inside {
                            header = Some(index);
                        }
                    }
                    Line::Entry(k, _) if inside => {
                        last_entry = Some(index);
                        if *k == key_lower {
                            existing = Some(index);
                        }
                    }
                    _ => {}
                }
            }
            let parsed = Line::Entry(key_lower, (*value).to_owned());
            if let Some(index) = existing {
                let keep_ending = line_ending_of(&self.raw[index]).unwrap_or(ending);
                self.raw[index] = format!("{new_line}{keep_ending}");
                self.parsed[index] = parsed;
            } else {
                let after = last_entry.or(header).unwrap_or(self.raw.len() - 1);
                self.ensure_trailing_newline(after, ending);
                self.raw.insert(after + 1, format!("{new_line}{ending}"));
                self.parsed.insert(after + 1, parsed);
            }
        }
        Ok(())
    }

    fn append_profile(&mut self, profile: &str, entries: &[(&str, &str)]) {
        let ending = self.line_ending();
        if let Some(last) = self.raw.len().checked_sub(1) {
            self.ensure_trailing_newline(last, ending);
            // One blank line between profiles, as the OCI CLI writes them.
            if !self.raw[last].trim().is_empty() {
                self.raw.push(ending.to_owned());
                self.parsed.push(Line::Other);
            }
        }
        self.raw.push(format!("[{profile}]{ending}"));
        self.parsed.push(Line::Section(profile.to_owned()));
        for (key, value) in entries {
            self.raw.push(format!("{key}={value}{ending}"));
            self.parsed
                .push(Line::Entry(key.to_ascii_lowercase(), (*value).to_owned()));
        }
    }

    fn ensure_trailing_newline(&mut self, index: usize, ending: &str) {
        if line_ending_of(&self.raw[index]).is_none() {
            self.raw[index].push_str(ending);
        }
    }

    /// The file's line ending (`\r\n` when its first line uses it).
    fn line_ending(&self) -> &'static str {
        match self.raw.first().and_then(|l| line_ending_of(l)) {
            Some("\r\n") => "\r\n",
            _ => "\n",
        }
    }
}

fn line_ending_of(line: &str) -> Option<&'static str> {
    if line.ends_with("\r\n") {
        Some("\r\n")
    } else if line.ends_with('\n') {
        Some("\n")
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_profiles_follow_flag_then_env_then_default() {
        let home = Path::new("/home/u");
        let env_none = |_: &str| None;
        let env_set = |k: &str| match k {
            "OCI_CLI_CONFIG_FILE" => Some("~/cfg".to_owned()),
            "OCI_CLI_PROFILE" => Some("ENVP".to_owned()),
            _ => None,
        };
        assert_eq!(
            config_location(None, &env_none, home),
            home.join(".oci/config")
        );
        assert_eq!(config_location(None, &env_set, home), home.join("cfg"));
        assert_eq!(
            config_location(Some(Path::new("/x/c")), &env_set, home),
            PathBuf::from("/x/c")
        );
        assert_eq!(profile_name(None, &env_none), "DEFAULT");
        assert_eq!(profile_name(None, &env_set), "ENVP");
        assert_eq!(profile_name(Some("P"), &env_set), "P");
    }

    #[test]
    fn default_is_inherited_and_keys_are_case_insensitive() {
        let config = OciConfig::parse(
            "[DEFAULT]\nregion=us-ashburn-1\nTenancy = t0\n\n[p]\nTENANCY=t1\nkey_file=~/k # not a comment\n",
        )
        .unwrap();
        let p = config.profile("p").unwrap();
        assert_eq!(p["region"], "us-ashburn-1");
        assert_eq!(p["tenancy"], "t1");
        assert_eq!(p["key_file"], "~/k # not a comment");
        assert_eq!(config.profile("DEFAULT").unwrap()["tenancy"], "t0");
        assert!(
            config.profile("P").is_none(),
            "profile names are case-sensitive"
        );
    }

    #[test]
    fn malformed_files_name_the_line() {
        for (text, line) in [
            ("[a]\nx=1\nnonsense\n", 3),
            ("x=1\n", 1),
            ("[a]\n[a b]\n", 2),
            ("[a]\n[a]\n", 2),
            ("[a\n", 1),
            ("[a]\n  continued\n", 2),
        ] {
            assert_eq!(OciConfig::parse(text).unwrap_err().line, line, "{text:?}");
        }
    }

    #[test]
    fn editing_replaces_in_place_and_appends_after_the_last_key() {
        let mut config = OciConfig::parse("[p]\nregion=a\n# keep me\n\n[q]\nregion=b").unwrap();
        config
            .set("p", &[("REGION", "z"), ("tenancy", "t")])
            .unwrap();
        config.set("q", &[("fingerprint", "f")]).unwrap();
        config.set("new", &[("region", "r")]).unwrap();
        assert_eq!(
            config.text(),
            "[p]\nREGION=z\ntenancy=t\n# keep me\n\n[q]\nregion=b\nfingerprint=f\n\n[new]\nregion=r\n"
        );
        let mut empty = OciConfig::empty();
        empty.set("DEFAULT", &[("region", "r")]).unwrap();
        assert_eq!(empty.text(), "[DEFAULT]\nregion=r\n");
    }

    #[test]
    fn keys_of_one_section_are_removed_and_default_is_not_looked_at() {
        let mut config =
            OciConfig::parse("[DEFAULT]\nuser=u0\n\n[p]\nUser=u1\npass_phrase=x\nregion=r\n")
                .unwrap();
        assert!(config.section_has("p", "user") && config.section_has("DEFAULT", "USER"));
        assert!(
            !OciConfig::parse("[DEFAULT]\nuser=u\n[q]\n")
                .unwrap()
                .section_has("q", "user")
        );
        config.remove("p", &["user", "pass_phrase"]);
        assert_eq!(config.text(), "[DEFAULT]\nuser=u0\n\n[p]\nregion=r\n");
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let mut config = OciConfig::parse("[p]\r\nregion=a\r\n").unwrap();
        config.set("p", &[("tenancy", "t")]).unwrap();
        assert_eq!(config.text(), "[p]\r\nregion=a\r\ntenancy=t\r\n");
    }

    #[test]
    fn control_characters_are_refused_and_nothing_changes() {
        let original = "[p]\nregion=a\n";
        let mut config = OciConfig::parse(original).unwrap();
        for value in [
            "ocid1.tenancy.oc1..t\nuser=ocid1.user.oc1..evil",
            "t\r[DEFAULT]",
            "t\u{0}",
            "t\u{1b}[2J",
        ] {
            // An existing key and a new key, in an existing and in a new profile.
            for (profile, key) in [("p", "region"), ("p", "tenancy"), ("new", "region")] {
                let error = config.set(profile, &[(key, value)]).unwrap_err();
                assert_eq!(error, ConfigValueError::Value(key.to_owned()));
                assert!(!error.to_string().contains("evil"), "{error}");
            }
        }
        for key in ["bad\nkey", "a=b", "", "[x]"] {
            assert!(matches!(
                config.set("p", &[(key, "v")]),
                Err(ConfigValueError::Key(_))
            ));
        }
        for profile in ["a]\n[b", "", "a b"] {
            assert!(matches!(
                config.set(profile, &[("region", "v")]),
                Err(ConfigValueError::ProfileName(_))
            ));
        }
        // A refused entry refuses the whole edit: the good entry before it is not written.
        assert!(
            config
                .set("p", &[("fingerprint", "f"), ("tenancy", "t\nx=y")])
                .is_err()
        );
        assert_eq!(config.text(), original);
        // Printable text (a `#`, spaces, non-ASCII letters) stays allowed in paths.
        config.set("p", &[("key_file", "~/dir é/#k.pem")]).unwrap();
    }
}
