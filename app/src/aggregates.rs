//! One `AggregateStore` per aggregate type, built once per store and shared by the services.

use domain::channel::Channel;
use domain::company::Company;
use domain::invoice::Invoice;
use domain::order::Order;
use domain::order_template::OrderTemplate;
use domain::price_list::PriceList;
use domain::product::Product;
use domain::stock_item::StockItem;

use crate::aggregate_store::{AggregateStore, Loading};
use crate::db::Db;

/// Every aggregate store of the application.
pub struct Aggregates {
    /// Products (catalogue facts from the ERP).
    pub products: AggregateStore<Product>,
    /// Companies: master data, users, approval policy.
    pub companies: AggregateStore<Company>,
    /// Price lists; large, so loaded from snapshots.
    pub price_lists: AggregateStore<PriceList>,
    /// Stock per SKU and warehouse; many reservations, so loaded from snapshots.
    pub stock: AggregateStore<StockItem>,
    /// Sales channels.
    pub channels: AggregateStore<Channel>,
    /// Orders.
    pub orders: AggregateStore<Order>,
    /// Order templates (saved carts, recurring orders).
    pub templates: AggregateStore<OrderTemplate>,
    /// Invoices and credit notes from the ERP.
    pub invoices: AggregateStore<Invoice>,
}

impl Aggregates {
    /// The correlation id of an order's business flow (that of its placement), so that what the
    /// dispatcher and the ERP do to the order can be followed with the rest of it.
    pub async fn order_correlation(&self, order_id: &str) -> Option<String> {
        let events = self.orders.events(order_id).await.ok()?;
        events
            .first()
            .and_then(|e| e.metadata.get("correlation_id").cloned())
            .filter(|c| !c.is_empty())
    }

    /// The stores on `db`.
    pub fn new(db: &Db) -> Self {
        Self {
            products: AggregateStore::new(db, Loading::Events, ()),
            companies: AggregateStore::new(db, Loading::Snapshots(50), ()),
            price_lists: AggregateStore::new(db, Loading::Snapshots(20), ()),
            stock: AggregateStore::new(db, Loading::Snapshots(100), ()),
            channels: AggregateStore::new(db, Loading::Events, ()),
            orders: AggregateStore::new(db, Loading::Events, ()),
            templates: AggregateStore::new(db, Loading::Events, ()),
            invoices: AggregateStore::new(db, Loading::Events, ()),
        }
    }
}
