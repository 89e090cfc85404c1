//! `companies`: each company's master data (every version, so pricing can be resolved as of a
//! past time), its users and its approval policy.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sqlx::AnyConnection;

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};
use domain::company::{Company, CompanyEvent, CompanyMaster};

use crate::{decode, recorded_at};

/// The `companies` read model.
pub struct Companies;

/// Master-data versions (`master` holds the whole `CompanyMaster` as JSON).
pub const COMPANIES: &str = "rm_companies";
/// Users of each company (current state).
pub const USERS: &str = "rm_company_users";
/// Approval policy of each company (current state, JSON).
pub const POLICIES: &str = "rm_company_policies";

#[async_trait]
impl Projection for Companies {
    fn name(&self) -> &'static str {
        "companies"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![
            TableDef {
                name: COMPANIES,
                ddl: "CREATE TABLE {table} (
                          company_id TEXT   NOT NULL,
                          set_at     BIGINT NOT NULL,
                          known_from TEXT   NOT NULL,
                          known_to   TEXT,
                          name       TEXT   NOT NULL,
                          master     TEXT   NOT NULL,
                          PRIMARY KEY (company_id, set_at)
                      );
                      CREATE INDEX {table}_current ON {table} (company_id) WHERE known_to IS NULL",
            },
            TableDef {
                name: USERS,
                ddl: "CREATE TABLE {table} (
                          company_id TEXT   NOT NULL,
                          user_id    TEXT   NOT NULL,
                          name       TEXT   NOT NULL,
                          role       TEXT   NOT NULL,
                          active     BIGINT NOT NULL,
                          PRIMARY KEY (company_id, user_id)
                      )",
            },
            TableDef {
                name: POLICIES,
                ddl: "CREATE TABLE {table} (
                          company_id TEXT PRIMARY KEY,
                          policy     TEXT NOT NULL
                      )",
            },
        ]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        if event.aggregate_type != Company::TYPE {
            return Ok(());
        }
        let company = event.aggregate_id.as_str();
        match decode::<CompanyEvent>(event)? {
            CompanyEvent::CompanyRegistered(master)
            | CompanyEvent::CompanyMasterUpdated(master) => {
                write_master(conn, tables.get(COMPANIES)?, event, &master).await?;
            }
            CompanyEvent::UserAdded {
                user_id,
                name,
                role,
            } => {
                let table = tables.get(USERS)?;
                sqlx::query(&format!(
                    "INSERT INTO {table} (company_id, user_id, name, role, active) \
                     VALUES ($1, $2, $3, $4, 1)"
                ))
                .bind(company)
                .bind(user_id.as_str())
                .bind(name)
                .bind(role_name(&role)?)
                .execute(&mut *conn)
                .await?;
            }
            CompanyEvent::UserRoleChanged { user_id, role } => {
                let table = tables.get(USERS)?;
                sqlx::query(&format!(
                    "UPDATE {table} SET role = $3 WHERE company_id = $1 AND user_id = $2"
                ))
                .bind(company)
                .bind(user_id.as_str())
                .bind(role_name(&role)?)
                .execute(&mut *conn)
                .await?;
            }
            CompanyEvent::UserDeactivated { user_id }
            | CompanyEvent::UserReactivated { user_id } => {
                let active = i64::from(event.event_type == "UserReactivated");
                let table = tables.get(USERS)?;
                sqlx::query(&format!(
                    "UPDATE {table} SET active = $3 WHERE company_id = $1 AND user_id = $2"
                ))
                .bind(company)
                .bind(user_id.as_str())
                .bind(active)
                .execute(&mut *conn)
                .await?;
            }
            CompanyEvent::ApprovalPolicySet {
                rules,
                allow_self_approval,
            } => {
                let table = tables.get(POLICIES)?;
                let policy = serde_json::json!({
                    "rules": rules,
                    "allow_self_approval": allow_self_approval,
                });
                sqlx::query(&format!(
                    "INSERT INTO {table} (company_id, policy) VALUES ($1, $2) \
                     ON CONFLICT (company_id) DO UPDATE SET policy = excluded.policy"
                ))
                .bind(company)
                .bind(policy.to_string())
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}

fn role_name(role: &domain::company::Role) -> anyhow::Result<String> {
    Ok(serde_json::to_value(role)?
        .as_str()
        .unwrap_or_default()
        .to_string())
}

async fn write_master(
    conn: &mut AnyConnection,
    table: &str,
    event: &RecordedEvent,
    master: &CompanyMaster,
) -> anyhow::Result<()> {
    let at = recorded_at(event);
    sqlx::query(&format!(
        "UPDATE {table} SET known_to = $2 WHERE company_id = $1 AND known_to IS NULL"
    ))
    .bind(&event.aggregate_id)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO {table} (company_id, set_at, known_from, name, master) VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(&event.aggregate_id)
    .bind(event.checkpoint.position)
    .bind(&at)
    .bind(&master.name)
    .bind(serde_json::to_string(master)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
