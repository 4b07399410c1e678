//! Command-line definitions (clap).

pub mod args;
