//! The one `~` expansion, for every path a user or a file may give.

use std::path::{Path, PathBuf};

/// `~` and `~/…` are `home`; nothing else is expanded (`~user` and variables
/// are not: the OCI CLI does not expand them either).
pub fn expand_tilde(value: &str, home: &Path) -> PathBuf {
    if value == "~" {
        home.to_path_buf()
    } else if let Some(rest) = value.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_leading_tilde_is_home() {
        let home = Path::new("/home/u");
        assert_eq!(expand_tilde("~", home), PathBuf::from("/home/u"));
        assert_eq!(expand_tilde("~/a/b", home), PathBuf::from("/home/u/a/b"));
        for kept in ["~user/a", "a/~/b", "/abs", "rel", "$HOME/a"] {
            assert_eq!(expand_tilde(kept, home), PathBuf::from(kept));
        }
    }
}
