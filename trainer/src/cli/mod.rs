//! The command line: clap arguments and the commands.

pub mod args;
pub mod commands;
