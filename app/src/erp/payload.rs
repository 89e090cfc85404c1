//! The JSON an ERP receives (docs/erp-adapter.md): built from the order as placed and the
//! company's master data.

use serde_json::{json, Value};

use domain::company::CompanyMaster;
use domain::order::Order;

/// The submit body of an order. `placed_at` is when the order was placed.
pub fn submit_body(
    order_id: &str,
    order: &Order,
    company: Option<&CompanyMaster>,
    placed_at: &str,
) -> Option<Value> {
    let placed = order.placed()?;
    let lines: Vec<Value> = placed
        .lines
        .iter()
        .zip(placed.pricing.priced_lines())
        .map(|(line, priced)| {
            let warehouses: Vec<Value> = order
                .allocations()
                .iter()
                .filter(|a| a.line_no == line.line_no)
                .map(|a| json!({"warehouse": a.warehouse, "quantity": a.quantity}))
                .collect();
            json!({
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": priced.unit_price,
                "line_net": priced.line_net,
                "vat_rate": priced.vat_rate.normalize().to_string(),
                "warehouses": warehouses,
            })
        })
        .collect();
    let pricing = &placed.pricing;
    Some(json!({
        "operation": "submit",
        "order_id": order_id,
        "company": {
            "id": placed.company_id,
            "erp_customer_no": company.map(|c| c.erp_customer_no.clone()),
            "name": company.map(|c| c.name.clone()),
            "ico": company.map(|c| c.ico.clone()),
            "dic": company.and_then(|c| c.dic.clone()),
            "payment_terms_days": company.map(|c| c.payment_terms_days),
        },
        "channel": placed.channel,
        "currency": placed.currency,
        "customer_reference": placed.customer_reference,
        "note": placed.note,
        "requested_delivery_date": placed.requested_delivery_date,
        "delivery_address": placed.delivery_address,
        "lines": lines,
        "vat": pricing.vat.iter().map(|v| json!({
            "rate": v.rate.normalize().to_string(), "base": v.base, "vat": v.vat,
        })).collect::<Vec<_>>(),
        "total_net": pricing.total_net,
        "total_vat": pricing.total_vat,
        "total_gross": pricing.total_gross,
        "reverse_charge": pricing.reverse_charge,
        "placed_at": placed_at,
    }))
}

/// The cancel body.
pub fn cancel_body(order_id: &str, order: &Order) -> Value {
    json!({
        "operation": "cancel",
        "order_id": order_id,
        "erp_order_no": order.erp_order_no(),
        "reason": order.pending_cancellation().map(|p| p.reason.clone()).unwrap_or_default(),
    })
}
