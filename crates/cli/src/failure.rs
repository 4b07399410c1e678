//! What a command can fail with: a domain error (its remedy and exit code
//! come from the one table, [`crate::remedy`]) or a failure only the command
//! line has (a program `exec` cannot start, a body file that cannot be read).

use oci_iam_sso_domain::{Error, StoreError};

use crate::remedy::{Advice, advice, exit};

#[derive(Debug)]
pub enum Failure {
    /// Boxed: domain errors are large and failures travel through every `?`.
    Domain(Box<Error>),
    /// A failure of the binary itself, with its hint and exit code.
    Cli {
        message: String,
        hint: Option<String>,
        code: u8,
    },
}

impl Failure {
    pub fn cli(message: impl Into<String>, hint: Option<&str>, code: u8) -> Self {
        Failure::Cli {
            message: message.into(),
            hint: hint.map(str::to_owned),
            code,
        }
    }

    /// A local input problem (exit 3).
    pub fn input(message: impl Into<String>, hint: &str) -> Self {
        Self::cli(message, Some(hint), exit::CONFIG)
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Domain(e) => e.to_string(),
            Failure::Cli { message, .. } => message.clone(),
        }
    }

    /// The exit code and the remedy.
    pub fn advice(&self) -> Advice {
        match self {
            Failure::Domain(e) => advice(e),
            Failure::Cli { hint, code, .. } => Advice {
                exit_code: *code,
                remedy: hint.clone(),
            },
        }
    }

    pub fn hint(&self) -> Option<String> {
        self.advice().remedy
    }

    pub fn exit_code(&self) -> u8 {
        self.advice().exit_code
    }

    /// The message and its remedy on one line, `message (remedy)`, for logs
    /// and for callers such as kubectl that show stderr as it is.
    pub fn one_line(&self) -> String {
        match self.hint() {
            Some(hint) => format!("{} ({hint})", self.message()),
            None => self.message(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Domain(Box::new(e))
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Domain(Box::new(Error::Store(e)))
    }
}

impl From<oci_iam_sso_domain::InvalidInput> for Failure {
    fn from(e: oci_iam_sso_domain::InvalidInput) -> Self {
        Failure::Domain(Box::new(Error::InvalidInput(e)))
    }
}

impl From<oci_iam_sso_domain::oci::OciError> for Failure {
    fn from(e: oci_iam_sso_domain::oci::OciError) -> Self {
        Failure::Domain(Box::new(Error::Oci(e)))
    }
}
