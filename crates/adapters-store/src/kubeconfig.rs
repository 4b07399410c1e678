//! The `users[]` entry of a kubeconfig that runs `oci-iam-sso oke token` as
//! the exec credential plugin, printed or merged into a kubeconfig file.
//!
//! Merging follows what the OCI CLI's `ce cluster create-kubeconfig` does: a
//! user of the same `name` is replaced, any other is added, and every other
//! key, cluster, context and user is kept. Like the OCI CLI (PyYAML's dump),
//! comments and anchors of the file do not survive the rewrite; the new file
//! replaces the old one atomically (0600), so a failure leaves it whole.

use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

use crate::oci::FileError;

/// The exec credential API `kubectl` speaks with the plugin.
pub const EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";

/// A kubeconfig user whose credential comes from a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecUser {
    pub name: String,
    pub command: String,
    pub args: Vec<String>,
}

/// What [`merge_exec_user`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merged {
    /// The file did not exist, or was empty: written with this user only.
    Created,
    /// A user of that name was replaced.
    Replaced,
    /// The user was added beside the others.
    Added,
}

impl ExecUser {
    fn to_value(&self) -> Value {
        let mut exec = Mapping::new();
        exec.insert("apiVersion".into(), EXEC_API_VERSION.into());
        exec.insert("command".into(), self.command.clone().into());
        exec.insert(
            "args".into(),
            Value::Sequence(self.args.iter().cloned().map(Value::from).collect()),
        );
        // The plugin never reads stdin (client-go skips the terminal for it).
        exec.insert("interactiveMode".into(), "Never".into());
        let mut user = Mapping::new();
        user.insert("exec".into(), Value::Mapping(exec));
        let mut entry = Mapping::new();
        entry.insert("name".into(), self.name.clone().into());
        entry.insert("user".into(), Value::Mapping(user));
        Value::Mapping(entry)
    }

    /// `users:` with this one entry, as YAML to paste into a kubeconfig.
    pub fn to_yaml(&self) -> String {
        let mut root = Mapping::new();
        root.insert("users".into(), Value::Sequence(vec![self.to_value()]));
        serde_norway::to_string(&Value::Mapping(root)).unwrap_or_default()
    }
}

/// Adds or replaces `user` in the kubeconfig at `path` (created 0600 when
/// absent), atomically. A file that is not a YAML mapping is refused and left as it is.
pub fn merge_exec_user(path: &Path, user: &ExecUser) -> Result<Merged, FileError> {
    let at = |detail: String| FileError {
        path: path.display().to_string(),
        detail,
    };
    // A symlinked kubeconfig (dotfiles) is written where it points, not replaced.
    let target: PathBuf = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let existing = match std::fs::read_to_string(&target) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(at(e.to_string())),
    };
    let (mut root, mut merged) = match existing.as_deref().map(str::trim) {
        None | Some("") => (kubeconfig_skeleton(), Merged::Created),
        Some(text) => match serde_norway::from_str::<Value>(text) {
            Ok(Value::Mapping(map)) => (map, Merged::Added),
            Ok(_) => {
                return Err(at(
                    "not a kubeconfig (its top level is not a mapping)".into()
                ));
            }
            // The parser's message has a line and column, never much of the text.
            Err(e) => return Err(at(format!("not YAML: {e}"))),
        },
    };
    let users = root
        .entry("users".into())
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if users.is_null() {
        *users = Value::Sequence(Vec::new());
    }
    let Value::Sequence(users) = users else {
        return Err(at("its `users` is not a list".into()));
    };
    let name = Value::from(user.name.clone());
    match users.iter_mut().find(|u| u.get("name") == Some(&name)) {
        Some(slot) => {
            *slot = user.to_value();
            merged = Merged::Replaced;
        }
        None => users.push(user.to_value()),
    }
    let text = serde_norway::to_string(&Value::Mapping(root)).map_err(|e| at(e.to_string()))?;
    crate::oci::ensure_parent(&target)?;
    crate::oci::write_atomic(&target, text.as_bytes())?;
    Ok(merged)
}

fn kubeconfig_skeleton() -> Mapping {
    let mut root = Mapping::new();
    root.insert("apiVersion".into(), "v1".into());
    root.insert("kind".into(), "Config".into());
    root
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn user(name: &str, cluster: &str) -> ExecUser {
        ExecUser {
            name: name.into(),
            command: "/usr/local/bin/oci-iam-sso".into(),
            args: vec![
                "oke".into(),
                "token".into(),
                "--cluster-id".into(),
                cluster.into(),
            ],
        }
    }

    const EXISTING: &str = "\
apiVersion: v1
kind: Config
current-context: ctx
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
contexts:
- name: ctx
  context:
    cluster: c1
    user: oke
users:
- name: other
  user:
    token: keep-me
- name: oke
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: oci
      args: [ce, cluster, generate-token, --cluster-id, old]
";

    #[test]
    fn a_user_of_the_same_name_is_replaced_and_everything_else_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, EXISTING).unwrap();
        assert_eq!(
            merge_exec_user(&path, &user("oke", "new")).unwrap(),
            Merged::Replaced
        );
        let after: Value =
            serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(after["current-context"], Value::from("ctx"));
        assert_eq!(after["clusters"][0]["name"], Value::from("c1"));
        assert_eq!(after["users"][0]["user"]["token"], Value::from("keep-me"));
        assert_eq!(
            after["users"][1]["user"]["exec"]["args"][3],
            Value::from("new")
        );
        assert_eq!(after["users"].as_sequence().unwrap().len(), 2);
        assert_eq!(
            merge_exec_user(&path, &user("second", "x")).unwrap(),
            Merged::Added
        );
        let after: Value =
            serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(after["users"].as_sequence().unwrap().len(), 3);
    }

    #[test]
    fn a_missing_file_is_created_private_and_a_broken_one_left_alone() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kube").join("config");
        assert_eq!(
            merge_exec_user(&path, &user("oke", "c")).unwrap(),
            Merged::Created
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("apiVersion: v1\nkind: Config\nusers:\n"),
            "{text}"
        );

        std::fs::write(&path, "- just\n- a list\n").unwrap();
        assert!(merge_exec_user(&path, &user("oke", "c")).is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "- just\n- a list\n"
        );
    }
}
