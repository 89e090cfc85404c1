//! The ERP's books: the orders it took, the answer it gave to each idempotency key, its number
//! series and its counters. Tests read them through `GET /admin/stats` to check that each
//! order is in the books exactly once.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where an order is in the ERP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Taken and numbered; the confirmation is not due yet.
    Received,
    /// Confirmed to ordercore.
    Accepted,
    /// Sent out of the warehouse.
    Shipped,
    /// At the customer.
    Delivered,
    /// Invoiced: the ERP is done with it.
    Invoiced,
    /// Cancelled before it shipped.
    Cancelled,
    /// Refused (a SKU the ERP does not sell).
    Refused,
}

/// An answer the ERP gave, kept per idempotency key so that a retry gets it again.
#[derive(Clone, Debug)]
pub(super) struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    fn new(status: StatusCode, body: Value) -> Self {
        Self { status, body }
    }

    /// `{"reason": …}` with a status.
    pub fn refusal(status: StatusCode, reason: impl Into<String>) -> Self {
        Self::new(status, json!({ "reason": reason.into() }))
    }
}

/// What the ERP does with the first submit of a key.
pub(super) enum Booking {
    /// A new order: start processing it.
    New { erp_order_no: String },
    /// Refused, or an order already booked under another key: nothing more to do.
    Settled,
}

/// One order in the books; an entry of [`Stats::orders`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookedOrder {
    /// ordercore's order id.
    pub order_id: String,
    /// The ERP's number (none for a refused order).
    pub erp_order_no: Option<String>,
    /// Submit requests received for it, repeats included.
    pub submits: u64,
    /// Where it is.
    pub state: OrderState,
}

/// The simulator's counters and books: the body of `GET /admin/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Orders taken and numbered.
    pub orders_accepted: u64,
    /// Orders refused (SKU not sold).
    pub orders_refused: u64,
    /// Submits answered from the books instead of creating an order: a repeated key, or a
    /// known order id under a new key.
    pub duplicate_submits_absorbed: u64,
    /// Of those, submits of a known order id under a key not seen before (a well-behaved
    /// dispatcher keeps one key per order, so this stays 0).
    pub resubmits_under_new_key: u64,
    /// Orders cancelled.
    pub cancels: u64,
    /// Requests per idempotency key, for the keys seen more than once.
    pub duplicates_by_key: BTreeMap<String, u64>,
    /// Orders shipped.
    pub shipped: u64,
    /// Invoices issued.
    pub invoiced: u64,
    /// Messages ordercore took (2xx), copies sent by `duplicate_inbound` included.
    pub inbound_sent: u64,
    /// Attempts to deliver a message that failed and were retried.
    pub inbound_failed_attempts: u64,
    /// Messages ordercore refused with 422 (it keeps them in quarantine).
    pub inbound_quarantined: u64,
    /// Messages refused with another 4xx (not retried; see the log).
    pub inbound_rejected: u64,
    /// Every order, in the order it was booked.
    pub orders: Vec<BookedOrder>,
    /// Every submit and cancel request, in the order they were answered.
    pub requests: Vec<ReceivedRequest>,
}

/// One submit or cancel request as the ERP saw it; an entry of [`Stats::requests`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedRequest {
    /// `/orders` or `/orders/{order_id}/cancel`.
    pub path: String,
    /// Its `Idempotency-Key` (empty when it had none).
    pub key: String,
    /// When it arrived, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The status it was answered with (0: the connection was dropped).
    pub status: u16,
}

/// How a delivery to ordercore ended, for the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Delivery {
    Sent,
    FailedAttempt,
    Quarantined,
    Rejected,
}

/// The books.
#[derive(Default)]
pub(super) struct Books {
    stats: Stats,
    /// The last number used in each series (orders, shipments, invoices, payments).
    orders: u64,
    by_order_id: HashMap<String, usize>,
    /// The answer to each order's first submit, by its index in `stats.orders`.
    first_answers: Vec<Answer>,
    answers: HashMap<String, Answer>,
    requests_by_key: HashMap<String, u64>,
    shipments: u64,
    invoices: u64,
    payments: u64,
}

impl Books {
    /// Empty books whose number series start at `first` (1 for a new ERP).
    pub fn new(first: u64) -> Self {
        let last = first.saturating_sub(1);
        Self {
            orders: last,
            shipments: last,
            invoices: last,
            payments: last,
            ..Self::default()
        }
    }

    /// The answer already given to `key`, counting the repeat.
    pub fn replay(&mut self, key: &str, order_id: &str, is_submit: bool) -> Option<Answer> {
        let answer = self.answers.get(key)?.clone();
        *self.requests_by_key.entry(key.to_string()).or_default() += 1;
        if is_submit {
            self.stats.duplicate_submits_absorbed += 1;
            if let Some(&i) = self.by_order_id.get(order_id) {
                self.stats.orders[i].submits += 1;
            }
        }
        Some(answer)
    }

    fn remember(&mut self, key: &str, answer: Answer) -> Answer {
        self.requests_by_key.insert(key.to_string(), 1);
        self.answers.insert(key.to_string(), answer.clone());
        answer
    }

    /// Books the first submit of `key`: a refusal when `refused_sku` is set, the earlier answer
    /// when the order id is known, else a new number.
    pub fn submit(
        &mut self,
        key: &str,
        order_id: &str,
        refused_sku: Option<String>,
    ) -> (Answer, Booking) {
        if let Some(&i) = self.by_order_id.get(order_id) {
            // A real ERP keeps the customer's order reference unique: a second key for the
            // same order must not create a second order.
            self.stats.orders[i].submits += 1;
            let answer = self.first_answers[i].clone();
            self.stats.duplicate_submits_absorbed += 1;
            self.stats.resubmits_under_new_key += 1;
            return (self.remember(key, answer), Booking::Settled);
        }
        let (answer, booking, erp_order_no, state) = match refused_sku {
            Some(sku) => {
                self.stats.orders_refused += 1;
                let reason = format!("SKU {sku} is not sold by this ERP");
                let answer = Answer::refusal(StatusCode::UNPROCESSABLE_ENTITY, reason);
                (answer, Booking::Settled, None, OrderState::Refused)
            }
            None => {
                self.stats.orders_accepted += 1;
                self.orders += 1;
                let no = format!("ERP-{:06}", self.orders);
                let answer = Answer::new(StatusCode::OK, json!({ "erp_order_no": no }));
                let booking = Booking::New {
                    erp_order_no: no.clone(),
                };
                (answer, booking, Some(no), OrderState::Received)
            }
        };
        self.by_order_id
            .insert(order_id.to_string(), self.stats.orders.len());
        self.stats.orders.push(BookedOrder {
            order_id: order_id.to_string(),
            erp_order_no,
            submits: 1,
            state,
        });
        self.first_answers.push(answer.clone());
        (self.remember(key, answer), booking)
    }

    /// Cancels an order not yet shipped; refuses otherwise.
    pub fn cancel(&mut self, key: &str, order_id: &str) -> Answer {
        let state = self
            .by_order_id
            .get(order_id)
            .map(|&i| &mut self.stats.orders[i].state);
        let answer = match state {
            None => Answer::refusal(StatusCode::UNPROCESSABLE_ENTITY, "no such order"),
            Some(state @ (OrderState::Received | OrderState::Accepted)) => {
                *state = OrderState::Cancelled;
                self.stats.cancels += 1;
                Answer::new(StatusCode::OK, json!({ "cancelled": true }))
            }
            // Nothing was or will be delivered for these, so the cancel simply holds.
            Some(OrderState::Cancelled | OrderState::Refused) => {
                Answer::new(StatusCode::OK, json!({ "cancelled": true }))
            }
            Some(OrderState::Shipped | OrderState::Delivered | OrderState::Invoiced) => {
                Answer::refusal(StatusCode::CONFLICT, "already shipped")
            }
        };
        self.remember(key, answer)
    }

    /// Moves an order to its next state; false when it was cancelled meanwhile (stop then).
    pub fn advance(&mut self, order_id: &str, to: OrderState) -> bool {
        let Some(&i) = self.by_order_id.get(order_id) else {
            return false;
        };
        let state = &mut self.stats.orders[i].state;
        if matches!(*state, OrderState::Cancelled | OrderState::Refused) {
            return false;
        }
        *state = to;
        match to {
            OrderState::Shipped => self.stats.shipped += 1,
            OrderState::Invoiced => self.stats.invoiced += 1,
            _ => {}
        }
        true
    }

    /// The next shipment id: `SH-000001`, …
    pub fn next_shipment_id(&mut self) -> String {
        self.shipments += 1;
        format!("SH-{:06}", self.shipments)
    }

    /// The next invoice number of `year`: `FV-2026-000001`, …
    pub fn next_invoice_no(&mut self, year: i32) -> String {
        self.invoices += 1;
        format!("FV-{year}-{:06}", self.invoices)
    }

    /// The next payment id: `PAY-000001`, …
    pub fn next_payment_id(&mut self) -> String {
        self.payments += 1;
        format!("PAY-{:06}", self.payments)
    }

    /// Records a submit or cancel request and its answer.
    pub fn record_request(&mut self, path: &str, key: &str, arrived: SystemTime, status: u16) {
        let at_ms = arrived
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.stats.requests.push(ReceivedRequest {
            path: path.to_string(),
            key: key.to_string(),
            at_ms,
            status,
        });
    }

    /// Counts one outcome of a delivery to ordercore.
    pub fn count(&mut self, delivery: Delivery) {
        let counter = match delivery {
            Delivery::Sent => &mut self.stats.inbound_sent,
            Delivery::FailedAttempt => &mut self.stats.inbound_failed_attempts,
            Delivery::Quarantined => &mut self.stats.inbound_quarantined,
            Delivery::Rejected => &mut self.stats.inbound_rejected,
        };
        *counter += 1;
    }

    /// A copy of the counters and books.
    pub fn stats(&self) -> Stats {
        let mut stats = self.stats.clone();
        stats.duplicates_by_key = self
            .requests_by_key
            .iter()
            .filter(|(_, &n)| n > 1)
            .map(|(key, &n)| (key.clone(), n))
            .collect();
        stats
    }
}
