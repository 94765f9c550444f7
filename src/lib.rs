//! `nines`: a deterministic discrete-event Monte Carlo availability simulator.
//!
//! Data flows one way: a model file is parsed and validated ([`model`]), compiled into a
//! [`plan`], simulated one year at a time ([`engine`]) in parallel ([`run`]), accumulated
//! into statistics ([`stats`]) and written as reports ([`report`]). What a year records, and
//! so what is accumulated and reported, is declared once per measure ([`measure`]). The
//! application layer ([`app`]) runs whole commands: a request in, typed results (or a typed
//! error) out; the `nines` binary only parses arguments into requests, prints and picks the
//! exit status.
//!
//! Features: `cli` (default) builds the binary, with clap, clap_complete, clap_mangen,
//! indicatif, ctrlc and libc; `plots` (which `cli` enables) adds the SVG plots and
//! report.html, with plotters. Without them the library is the core alone:
//! `cargo build --no-default-features --lib`.

pub mod app;
pub mod bench;
pub mod calc;
pub mod check;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod explain;
pub mod expr;
#[cfg(test)]
mod fixtures;
pub mod floor;
pub mod math;
pub mod measure;
pub mod mechanics;
pub mod model;
pub mod optimize;
pub mod plan;
pub mod report;
pub mod rng;
pub mod run;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod time;
pub mod warnings;
pub mod workload;
