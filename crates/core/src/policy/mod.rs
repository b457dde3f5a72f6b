//! The policy in force on this device: its layers ([`sources`]: the local file, the verified
//! hub snapshot and the managed mandatory block), what they decide for one server or many
//! ([`evaluation`]), and the effective policy as the policy view shows it ([`view`]).

pub(crate) mod evaluation;
pub(crate) mod sources;
pub(crate) mod view;

pub use crate::error::{LocalPolicyProblem, NoPolicy};
pub use evaluation::{Evaluation, Evaluator};
pub use sources::{HubSnapshot, PolicySources, Scope, ServerPolicy};
pub use view::{ClampLine, PolicyView, RuleLine, ServerRules, SnapshotView, policy_view};
