//! Time travel: what an aggregate looked like at a past moment or version.
//!
//! The state is the domain aggregate folded with its own `apply` over the events up to that
//! moment, exactly as a command at that time would have loaded it; snapshots play no part. The
//! moment is compared with the store's `recorded_at`, the time the event was committed.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use serde_json::Value;

use domain::channel::Channel;
use domain::company::Company;
use domain::invoice::Invoice;
use domain::order::Order;
use domain::order_template::OrderTemplate;
use domain::price_list::PriceList;
use domain::product::Product;
use domain::stock_item::StockItem;

use crate::aggregate_store::AggregateStore;
use crate::aggregates::Aggregates;
use crate::db::Db;
use crate::event_log::RecordedEvent;

/// The aggregate types an auditor can look at, by their stored names.
pub const AGGREGATE_TYPES: [&str; 8] = [
    Product::TYPE,
    Company::TYPE,
    PriceList::TYPE,
    StockItem::TYPE,
    Channel::TYPE,
    Order::TYPE,
    OrderTemplate::TYPE,
    Invoice::TYPE,
];

/// Which state of an aggregate to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// The newest state.
    Now,
    /// The state after every event recorded at or before this time.
    AsOf(DateTime<Utc>),
    /// The state after the event with this sequence number (the aggregate's version).
    Version(i64),
}

/// An aggregate at a moment: its state and the events that made it.
#[derive(Clone, Debug)]
pub struct AggregateAt {
    /// The aggregate's version at that moment: the sequence of its last event then.
    pub version: i64,
    /// The aggregate's newest version, for comparison.
    pub latest_version: i64,
    /// The domain aggregate's JSON, folded over `events`.
    pub state: Value,
    /// The events up to the moment, by sequence, with metadata.
    pub events: Vec<RecordedEvent>,
}

/// The aggregate `aggregate_type`/`aggregate_id` at `moment`, or `None` when it had no events
/// then (it did not exist yet, or a version beyond its newest was asked for). An unknown type
/// is an error; check it against [`AGGREGATE_TYPES`] first.
pub async fn aggregate_at(
    db: &Db,
    aggregates: &Aggregates,
    aggregate_type: &str,
    aggregate_id: &str,
    moment: Moment,
) -> anyhow::Result<Option<AggregateAt>> {
    let mut events = super::query::aggregate_events(db, aggregate_type, aggregate_id).await?;
    let latest_version = events.last().map_or(0, |e| e.sequence);
    let keep = match moment {
        Moment::Now => events.len(),
        Moment::AsOf(time) => events.iter().take_while(|e| e.recorded_at <= time).count(),
        Moment::Version(version) if version > latest_version => return Ok(None),
        Moment::Version(version) => events.iter().take_while(|e| e.sequence <= version).count(),
    };
    events.truncate(keep);
    let Some(last) = events.last() else {
        return Ok(None);
    };
    let version = last.sequence;
    let a = aggregates;
    let state = match aggregate_type {
        Product::TYPE => fold(&a.products, aggregate_id, keep).await?,
        Company::TYPE => fold(&a.companies, aggregate_id, keep).await?,
        PriceList::TYPE => fold(&a.price_lists, aggregate_id, keep).await?,
        StockItem::TYPE => fold(&a.stock, aggregate_id, keep).await?,
        Channel::TYPE => fold(&a.channels, aggregate_id, keep).await?,
        Order::TYPE => fold(&a.orders, aggregate_id, keep).await?,
        OrderTemplate::TYPE => fold(&a.templates, aggregate_id, keep).await?,
        Invoice::TYPE => fold(&a.invoices, aggregate_id, keep).await?,
        other => anyhow::bail!("unknown aggregate type {other:?}"),
    };
    Ok(Some(AggregateAt {
        version,
        latest_version,
        state,
        events,
    }))
}

/// The JSON of the aggregate after its first `count` events, folded with the domain's `apply`.
async fn fold<A>(store: &AggregateStore<A>, id: &str, count: usize) -> anyhow::Result<Value>
where
    A: Aggregate + Clone,
{
    let envelopes = store
        .events(id)
        .await
        .map_err(|e| anyhow::anyhow!("loading the events of {} {id}: {e}", A::TYPE))?;
    anyhow::ensure!(
        envelopes.len() >= count,
        "{} {id} has {} events where the log showed {count}",
        A::TYPE,
        envelopes.len()
    );
    let mut state = A::default();
    for envelope in envelopes.into_iter().take(count) {
        state.apply(envelope.payload);
    }
    Ok(serde_json::to_value(&state)?)
}
