//! The ERP side: inbound messages (deduplicated by `message_id`, quarantined when invalid) and
//! master-data commands.

pub mod inbox;
pub mod master_data;
