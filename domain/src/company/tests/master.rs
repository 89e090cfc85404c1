//! Syncing the ERP master data, and snapshots.

use super::*;
use crate::company::*;
use crate::values::CompanyId;

#[test]
fn sync_master_registers_a_new_company() {
    CompanyTest::with(())
        .given_no_previous_events()
        .when(CompanyCommand::SyncMaster(acme()))
        .then_expect_events(registered());
}

#[test]
fn sync_master_updates_only_when_the_master_data_differs() {
    CompanyTest::with(())
        .given(registered())
        .when(CompanyCommand::SyncMaster(acme()))
        .then_expect_events(vec![]);
    let mut changed = acme();
    changed.payment_terms_days = 30;
    CompanyTest::with(())
        .given(registered())
        .when(CompanyCommand::SyncMaster(changed.clone()))
        .then_expect_events(vec![CompanyEvent::CompanyMasterUpdated(changed)]);
}

#[test]
fn sync_master_fails_when_names_or_address_ids_are_unusable() {
    let mut nameless = acme();
    nameless.name = " ".to_owned();
    CompanyTest::with(())
        .given_no_previous_events()
        .when(CompanyCommand::SyncMaster(nameless))
        .then_expect_error_message("invalid master data: name must not be empty");
    let mut twice = acme();
    twice.addresses.push(twice.addresses[0].clone());
    let error = CompanyTest::with(())
        .given_no_previous_events()
        .when(CompanyCommand::SyncMaster(twice))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "invalid-master-data");
}

#[test]
fn sync_master_fails_when_it_names_another_company() {
    let mut other = acme();
    other.company_id = CompanyId::parse("OTHER").unwrap();
    let error = CompanyTest::with(())
        .given(registered())
        .when(CompanyCommand::SyncMaster(other))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "wrong-company");
}

#[test]
fn company_state_survives_a_snapshot_round_trip() {
    let mut events = registered();
    events.push(added("jana", Role::Admin));
    let company = company_after(events);
    let json = serde_json::to_string(&company).unwrap();
    let back: Company = serde_json::from_str(&json).unwrap();
    assert_eq!(back, company);
    assert_eq!(back.user(&user("jana")).unwrap().role, Role::Admin);
    assert_eq!(back.master().unwrap().address("HQ").unwrap().city(), "Brno");
}
