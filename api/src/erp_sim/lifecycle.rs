//! What the ERP does with an order it took: after the configured delays it confirms it, ships
//! it (in one or two shipments), reports the deliveries and invoices it, telling ordercore at
//! each step. A cancel stops it before shipping; faults send the messages twice or shuffled.

use chrono::Datelike;
use tokio::time::Instant;

use super::books::OrderState;
use super::documents::{self, Draft, InvoiceTerms};
use super::outbound::Message;
use super::submission::Submission;
use super::SimState;

/// The steps of an order in the ERP, in order.
#[derive(Clone, Copy, Debug)]
enum Step {
    Confirm,
    Ship,
    Deliver,
    Invoice,
}

impl Step {
    fn state(self) -> OrderState {
        match self {
            Self::Confirm => OrderState::Accepted,
            Self::Ship => OrderState::Shipped,
            Self::Deliver => OrderState::Delivered,
            Self::Invoice => OrderState::Invoiced,
        }
    }
}

/// Processes a newly booked order in the background until it is done, cancelled or the
/// simulator stops.
pub(super) fn spawn(state: SimState, submission: Submission, erp_order_no: String) {
    let mut shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown.wait_for(|stopped| *stopped) => {}
            () = process(&state, &submission, &erp_order_no) => {}
        }
    });
}

async fn process(state: &SimState, submission: &Submission, erp_order_no: &str) {
    let config = &state.config;
    let started = Instant::now();
    // Each step comes no earlier than the one before, whatever the flags say.
    let confirm_at = config.confirm_after;
    let ship_at = config.ship_after.max(confirm_at);
    let invoice_at = config.invoice_after.max(ship_at);
    let deliver_at = ship_at + (invoice_at - ship_at) / 2;
    let steps = [
        (Step::Confirm, confirm_at),
        (Step::Ship, ship_at),
        (Step::Deliver, deliver_at),
        (Step::Invoice, invoice_at),
    ];
    let mut shipment_ids = Vec::new();
    let mut held: Vec<Message> = Vec::new();
    for (step, due) in steps {
        tokio::time::sleep_until(started + due).await;
        let Some(drafts) = take_step(state, submission, erp_order_no, step, &mut shipment_ids)
        else {
            break;
        };
        let (duplicate, shuffle) = state.faults.inbound_mangling();
        let mut messages = Vec::new();
        for draft in drafts {
            let message = state.outbound.seal(draft);
            if duplicate {
                messages.push(message.clone());
            }
            messages.push(message);
        }
        if shuffle {
            // Held back until the order is done, so that later steps can overtake earlier ones.
            held.extend(messages);
        } else {
            state.outbound.deliver_all(messages, true).await;
        }
    }
    if !held.is_empty() {
        state.chance.shuffle(&mut held);
        state.outbound.deliver_all(held, false).await;
    }
}

/// Records `step` in the books and writes its documents; `None` when the order was cancelled.
fn take_step(
    state: &SimState,
    submission: &Submission,
    erp_order_no: &str,
    step: Step,
    shipment_ids: &mut Vec<String>,
) -> Option<Vec<Draft>> {
    let order_id = submission.order_id.as_str();
    let mut books = state.books();
    if !books.advance(order_id, step.state()) {
        tracing::info!(
            order_id,
            erp_order_no,
            "order cancelled; the ERP stops processing it"
        );
        return None;
    }
    let drafts = match step {
        Step::Confirm => vec![documents::accepted(order_id, erp_order_no)],
        Step::Ship => {
            let shipments =
                documents::shipments(submission, state.config.partial_shipments, || {
                    books.next_shipment_id()
                });
            shipments
                .iter()
                .map(|(id, lines)| {
                    shipment_ids.push(id.clone());
                    documents::shipped(order_id, id, lines)
                })
                .collect()
        }
        Step::Deliver => shipment_ids
            .iter()
            .map(|id| documents::delivered(order_id, id))
            .collect(),
        Step::Invoice => {
            let issued_on = chrono::Utc::now().date_naive();
            let number = books.next_invoice_no(issued_on.year());
            let payment_id = state.config.pay.then(|| books.next_payment_id());
            let terms = InvoiceTerms {
                number: &number,
                issued_on,
                payment_terms_days: submission
                    .company
                    .payment_terms_days
                    .unwrap_or(state.config.payment_terms_days),
                payment_id: payment_id.as_deref(),
            };
            vec![documents::invoice(submission, &terms)]
        }
    };
    tracing::debug!(order_id, erp_order_no, ?step, "ERP step done");
    Some(drafts)
}
