//! What this device follows and how it reaches it: the hub settings a person sets
//! (`gatehouse config`, [`config`]), the managed settings IT fixes ([`managed`]), the two
//! merged ([`hub`]), the hub token ([`token`]), the hub and registry clients made from them
//! ([`connect`]), joining an organization from an admin's link ([`enroll`]), signing in
//! and out ([`sign_in`]), the first sign-in's key offer
//! ([`first_key`]) and the update feed for new versions of Gatehouse itself ([`updates`]).

pub(crate) mod config;
pub(crate) mod connect;
pub(crate) mod enroll;
pub(crate) mod first_key;
pub(crate) mod hub;
pub(crate) mod managed;
pub(crate) mod sign_in;
pub(crate) mod token;
pub mod updates;
pub(crate) mod values;

pub use crate::error::ManagedProblem;
pub use config::{change, get, set, set_all};
pub use connect::{
    PACKAGE_DOWNLOAD_TIMEOUT, configured_client, configured_registry_client, hub_client,
    packages_client, registry_client,
};
pub use enroll::{Credentials, EnrollOffer, Enrollment, LINK_SCHEME, join, offer};
pub use first_key::{OfferedKey, offered_keys};
pub use hub::HubSettings;
pub use managed::{ManagedSettings, UpdateMode};
pub use sign_in::{sign_in, sign_out, signed_in};
pub use token::{account, resolve, resolve_or_none};
pub use values::{ConfigKey, validate_url};
