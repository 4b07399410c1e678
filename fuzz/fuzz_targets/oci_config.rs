//! The OCI config file parser and its line-preserving editor.
//!
//! Besides "no panic": a file that parses is written back byte for byte; after
//! `set` of session keys on one profile, the text still parses, that profile
//! has the keys, and every other profile reads exactly as before.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oci_iam_sso_adapters_store::oci::OciConfig;

const SESSION: &[(&str, &str)] = &[
    ("security_token_file", "/home/u/.oci/sessions/fuzz/token"),
    ("key_file", "/home/u/.oci/sessions/fuzz/oci_api_key.pem"),
    ("region", "us-ashburn-1"),
];

/// The profile names of the file's headers (the parser accepted them).
fn profile_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            line.strip_prefix('[')?.strip_suffix(']').map(str::to_owned)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Ok(mut config) = OciConfig::parse(text) else {
        return;
    };
    assert_eq!(config.text(), text, "the text round-trips");

    let mut names = profile_names(text);
    names.push("fuzz-session".to_owned());
    let target = names[usize::from(pick) % names.len()].clone();
    let before: Vec<_> = names.iter().map(|n| config.profile(n)).collect();

    config.set(&target, SESSION);
    let edited = config.text();
    let reparsed = match OciConfig::parse(&edited) {
        Ok(reparsed) => reparsed,
        Err(e) => panic!("the edited file does not parse ({e}):\n{edited:?}\nfrom\n{text:?}"),
    };
    assert_eq!(reparsed.text(), edited);
    let profile = reparsed
        .profile(&target)
        .expect("the edited profile exists");
    for (key, value) in SESSION {
        assert_eq!(profile.get(*key).map(String::as_str), Some(*value), "{key}");
    }
    for (name, old) in names.iter().zip(before) {
        if *name != target && target != "DEFAULT" {
            assert_eq!(reparsed.profile(name), old, "profile [{name}] changed");
        }
    }
});
