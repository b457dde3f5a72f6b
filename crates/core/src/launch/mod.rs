//! Launching one server: the decision shared by `check` and `run` ([`decide`]), asking the
//! person and auditing it ([`prepare`]), then running it through the proxy while watching
//! the policy ([`session`]).

pub(crate) mod decide;
pub(crate) mod prepare;
pub(crate) mod session;
pub(crate) mod values;

pub use decide::{Decided, decide, remember_always};
/// The JSON-RPC error code of a request refused because of policy (a refused launch, a
/// session a new policy stopped).
pub use gatehouse_launch::POLICY_REFUSED_CODE;
pub use prepare::{Launch, Prepared, prepare};
pub use session::run;
