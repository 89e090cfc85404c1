//! ordercore's read models. Each is a [`Projection`]: a checkpointed subscriber to the global
//! log that owns its tables and can be rebuilt from position zero beside the live ones.

pub mod stream_heads;

use std::sync::Arc;

use app::subscription::Projection;

/// Every read model, in the order the server starts them.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![Arc::new(stream_heads::StreamHeads)]
}

/// The read model of that name.
pub fn by_name(name: &str) -> Option<Arc<dyn Projection>> {
    all().into_iter().find(|p| p.name() == name)
}
