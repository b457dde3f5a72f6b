//! The policy core: the rule model of `POLICY.md`, its validation, the merge of layers and
//! the evaluation of one server against the merged policy.
//!
//! This crate is pure. It parses strings it is given, never opens files, never reads a clock
//! and never touches the network: time comes in through the request. Everything that decides
//! whether a server may run lives here, so that it can be tested with data alone.
//!
//! The flow: [`Layers`] (validated rules per layer) → [`EffectivePolicy::compile`] (once per
//! snapshot) → [`evaluate`] (once per launch) → [`Decision`].

mod bounds;
mod corpus;
mod decision;
mod error;
mod evaluate;
mod facts;
mod freshness;
mod layer;
mod layers;
mod local;
mod merge;
mod message;
mod mode;
mod origin;
mod pattern;
mod report;
mod request;
mod rules;
mod time;
mod view;

pub use bounds::{MAX_POLICY_BYTES, MAX_POLICY_DEPTH, check_bounds};
pub use corpus::{CaseOutcome, run_corpus_str};
pub use decision::{Code, Decision, Severity, Verdict, Violation};
pub use error::{Error, Result, ValidationError};
pub use evaluate::evaluate;
pub use facts::{ServerFacts, Status};
pub use freshness::{Freshness, parse_duration};
pub use layer::Layer;
pub use layers::{Layers, parse_document};
pub use local::local_rules_from_config;
pub use merge::{Diagnostic, EffectivePolicy, Sourced};
pub use message::{duration_words, layer_words, level_name};
pub use mode::{Mode, StaleMode};
pub use origin::{Origin, OriginSet};
pub use pattern::{NameFilter, Pattern, fold_name, normalize_name, pattern_may_match};
pub use report::block_report;
pub use request::Request;
pub use rules::{MAX_CERT_LEVEL, MAX_SCORE, Rules};
pub use time::Timestamp;
