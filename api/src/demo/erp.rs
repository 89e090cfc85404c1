//! The ERP side of `serve --demo`: an ERP simulator started beside the server, so orders placed
//! in the demo travel to the ERP and back (accepted, shipped in two parts, delivered, invoiced,
//! paid), and users in the demo companies to place and approve them.

use std::net::SocketAddr;
use std::time::Duration;

use app::aggregates::Aggregates;
use app::metadata::{Actor, CommandMetadata};
use domain::company::{ApprovalRule, CompanyCommand, Role};
use domain::values::{CurrencyCode, Money, UserId};

use super::{Dataset, DemoSize};
use crate::erp_sim::{RunningSim, SimConfig};
use crate::server::ErpSettings;

/// Starts the simulator on a free loopback port, reporting to the server that will listen on
/// `ordercore`, and returns it with the settings the server delivers to it with.
pub async fn start_simulator(
    database_url: &str,
    ordercore: SocketAddr,
) -> anyhow::Result<(RunningSim, ErpSettings)> {
    let db = crate::cli::connect(database_url).await?;
    // The simulator reports back through the ERP API like a real connector, with its own key.
    let key = app::auth::create(&db, "demo ERP simulator", &[app::auth::Scope::Erp]).await?;
    db.close().await;
    let secret_text = app::erp::signature::SigningSecret::generate();
    let secret = app::erp::signature::SigningSecret::parse(&secret_text)?;
    let mut config = SimConfig::new(format!("http://{}", loopback(ordercore)));
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.ordercore_key = Some(key.token);
    config.secret = Some(secret.clone());
    config.confirm_after = Duration::from_secs(2);
    config.ship_after = Duration::from_secs(5);
    config.invoice_after = Duration::from_secs(8);
    config.partial_shipments = true;
    config.pay = true;
    // A restarted demo keeps its numbers apart from those the store already knows.
    config.series_start =
        u64::try_from(chrono::Utc::now().timestamp() % 100_000).unwrap_or(1) * 1_000;
    let sim = crate::erp_sim::start(config).await?;
    let settings = ErpSettings {
        adapter: app::erp::adapter::HttpAdapterConfig {
            url: sim.url(),
            secret: Some(secret),
            timeout: Duration::from_secs(5),
            concurrency: 4,
        },
        dispatch: Default::default(),
    };
    tracing::info!(erp = %sim.url(), "demo ERP simulator started; orders flow to it");
    Ok((sim, settings))
}

fn loopback(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}

/// Gives every demo company three users — `jana` (buyer), `petr` (approver), `eva` (admin) —
/// and the first company an approval rule (orders above 50,000 CZK net need an approver).
/// Users that exist already are left as they are.
pub async fn add_users(aggregates: &Aggregates) -> anyhow::Result<()> {
    let meta = CommandMetadata::new(Actor::system("demo"));
    let dataset = Dataset::generate(&DemoSize::demo());
    for (i, company) in dataset.companies.iter().enumerate() {
        for (user, name, role) in [
            ("jana", "Jana Nováková", Role::Buyer),
            ("petr", "Petr Svoboda", Role::Approver),
            ("eva", "Eva Dvořáková", Role::Admin),
        ] {
            let command = CompanyCommand::AddUser {
                user_id: UserId::parse(user)?,
                name: name.into(),
                role,
            };
            // An existing user (a restarted demo) is refused; that is fine.
            let _ = aggregates
                .companies
                .execute(&company.id, command, &meta)
                .await;
        }
        if i == 0 {
            let rule = ApprovalRule::OrderTotalAbove {
                amount: Money::parse(rust_decimal::Decimal::from(50_000))?,
                currency: CurrencyCode::parse("CZK")?,
            };
            let command = CompanyCommand::SetApprovalPolicy {
                rules: vec![rule],
                allow_self_approval: false,
            };
            let _ = aggregates
                .companies
                .execute(&company.id, command, &meta)
                .await;
        }
    }
    tracing::info!("demo users added: jana (buyer), petr (approver), eva (admin) in every company");
    Ok(())
}
