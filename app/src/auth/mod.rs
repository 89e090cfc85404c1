//! API keys and their scopes. A key is `oc_<id>_<secret>`: the id finds the key, the secret is
//! checked against its stored SHA-256 in constant time. The secret is shown once and never kept.

mod keys;
mod scope;

pub use keys::{authenticate, create, list, revoke, ApiKey, CreatedKey, KeyError};
pub use scope::{Principal, Scope};
