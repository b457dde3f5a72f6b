//! Launching one server: the decision shared by `check` and `run` ([`decide`]), asking the
//! person and auditing it ([`prepare`]), then running it through the proxy while watching
//! the policy ([`session`]).

pub(crate) mod decide;
pub(crate) mod prepare;
pub(crate) mod session;
pub(crate) mod values;

pub use decide::{Decided, decide, remember_always};
pub use prepare::{Launch, Prepared, prepare};
pub use session::run;
