//! The ERP side: inbound messages (deduplicated by `message_id`, quarantined when invalid) and
//! master-data commands.

pub mod adapter;
pub mod breaker;
pub mod dispatcher;
pub mod feedback;
pub mod inbox;
pub mod master_data;
pub mod outbox;
pub mod payload;
pub mod signature;
