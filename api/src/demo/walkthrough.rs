//! What a new user can try once the demo is loaded: copy-paste commands built from the data.

use super::companies::Company;
use super::price_lists;
use super::Dataset;

/// Copy-paste commands that show the loaded data: a quote for the first company mixing a
/// contract price with a quantity tier, a level price and a book (another VAT rate); one for a
/// Slovak company (reverse charge); its price sheet; availability. Prices are a company's own:
/// the commands first give each company the buyer `jana` (`serve --demo` has done so already;
/// then the answer is a 409) and ask as her (`X-Acting-User`).
pub(crate) fn commands(url: &str, dataset: &Dataset) -> String {
    let Some(company) = dataset.companies.first() else {
        return String::new();
    };
    let contract = price_lists::contract_entries(dataset, 0);
    let mut lines: Vec<(String, u32)> = Vec::new();
    if let Some(entry) = contract.iter().find(|e| !e.tiers.is_empty()) {
        let tier = entry.tiers.last().map_or(1, |t| t.min_qty);
        lines.push((entry.sku.clone(), tier));
    }
    let in_contract = |sku: &str| contract.iter().any(|e| e.sku == sku);
    if let Some(p) = dataset.active_products().find(|p| !in_contract(&p.sku)) {
        lines.push((p.sku.clone(), 3));
    }
    if let Some(p) = dataset
        .active_products()
        .find(|p| p.vat_class != "standard")
    {
        lines.push((p.sku.clone(), 2));
    }
    let body = |company: &Company, lines: &[(String, u32)]| {
        let lines: Vec<String> = lines
            .iter()
            .map(|(sku, q)| format!("{{\"sku\": \"{sku}\", \"quantity\": {q}}}"))
            .collect();
        format!(
            "{{\"company_id\": \"{}\", \"channel\": \"{}\", \"currency\": \"{}\", \"lines\": [{}]}}",
            company.id,
            company.channel(),
            company.currency,
            lines.join(", ")
        )
    };
    let buyer = |company: &Company| {
        format!(
            "  curl -s {url}/v1/companies/{}/users -H \"Authorization: Bearer $KEY\" -H 'content-type: application/json' -d '{{\"user_id\": \"jana\", \"name\": \"Jana Nováková\", \"role\": \"buyer\"}}'",
            company.id
        )
    };
    let quote = |company: &Company, lines: &[(String, u32)]| {
        format!(
            "  curl -s {url}/v1/prices/quote -H \"Authorization: Bearer $KEY\" -H 'X-Acting-User: jana' -H 'content-type: application/json' -d '{}'",
            body(company, lines)
        )
    };
    let mut out = vec![
        "Try (KEY: an e-shop key, e.g. from `ordercore keys create --name me --scope 'eshop:*'`):"
            .to_string(),
        buyer(company),
        quote(company, &lines),
    ];
    if let Some(slovak) = dataset.companies.iter().find(|c| c.country == "SK") {
        out.push(buyer(slovak));
        out.push(quote(slovak, &lines[lines.len().saturating_sub(2)..]));
    }
    out.push(format!(
        "  curl -s -H \"Authorization: Bearer $KEY\" -H 'X-Acting-User: jana' '{url}/v1/companies/{}/prices?channel={}&limit=5'",
        company.id,
        company.channel()
    ));
    let skus: Vec<&str> = lines.iter().map(|(sku, _)| sku.as_str()).collect();
    out.push(format!(
        "  curl -s -H \"Authorization: Bearer $KEY\" '{url}/v1/availability?skus={}'",
        skus.join(",")
    ));
    out.join("\n")
}
