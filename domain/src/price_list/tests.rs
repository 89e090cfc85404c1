//! Given/when/then scenarios for the price-list aggregate.

use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;

use super::*;
use crate::values::{CompanyId, CurrencyCode, Money, PriceListCode, Quantity, Sku};

type PriceListTest = TestFramework<PriceList>;

fn day(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 0, 0, 0).unwrap()
}

fn header(currency: &str, priority: i32) -> PriceListHeader {
    PriceListHeader::new(
        PriceListCode::parse("ACME-2026").unwrap(),
        PriceListKind::Contract {
            company_id: CompanyId::parse("ACME").unwrap(),
        },
        CurrencyCode::parse(currency).unwrap(),
        None,
        Some(day(2026, 1, 1)),
        Some(day(2026, 12, 31)),
        priority,
    )
    .unwrap()
}

fn entry(sku: &str, price: u32) -> PriceEntry {
    let price = Money::parse(Decimal::from(price)).unwrap();
    PriceEntry::new(Sku::parse(sku).unwrap(), price, vec![]).unwrap()
}

fn import(header: PriceListHeader, entries: Vec<PriceEntry>) -> PriceListCommand {
    PriceListCommand::Import { header, entries }
}

fn imported() -> Vec<PriceListEvent> {
    vec![
        PriceListEvent::PriceListCreated(header("CZK", 0)),
        PriceListEvent::EntriesUpserted {
            entries: vec![entry("A", 1), entry("B", 2)],
        },
    ]
}

#[test]
fn import_creates_a_new_list_with_entries_sorted_by_sku() {
    PriceListTest::with(())
        .given_no_previous_events()
        .when(import(header("CZK", 0), vec![entry("B", 2), entry("A", 1)]))
        .then_expect_events(imported());
}

#[test]
fn import_of_an_identical_list_produces_no_events() {
    PriceListTest::with(())
        .given(imported())
        .when(import(header("CZK", 0), vec![entry("A", 1), entry("B", 2)]))
        .then_expect_events(vec![]);
}

#[test]
fn import_produces_only_the_changes() {
    PriceListTest::with(())
        .given(imported())
        .when(import(
            header("CZK", 5),
            vec![entry("C", 3), entry("A", 10)],
        ))
        .then_expect_events(vec![
            PriceListEvent::PriceListHeaderChanged(header("CZK", 5)),
            PriceListEvent::EntriesUpserted {
                entries: vec![entry("A", 10), entry("C", 3)],
            },
            PriceListEvent::EntriesRemoved {
                skus: vec![Sku::parse("B").unwrap()],
            },
        ]);
}

#[test]
fn import_fails_when_the_currency_changes() {
    PriceListTest::with(())
        .given(imported())
        .when(import(header("EUR", 0), vec![entry("A", 1)]))
        .then_expect_error_message("a list's currency cannot change; import it under a new code");
}

#[test]
fn import_fails_when_a_sku_appears_twice() {
    PriceListTest::with(())
        .given_no_previous_events()
        .when(import(header("CZK", 0), vec![entry("A", 1), entry("A", 2)]))
        .then_expect_error(PriceListError::DuplicateSku {
            sku: Sku::parse("A").unwrap(),
        });
}

#[test]
fn import_fails_when_it_names_another_list() {
    let other = PriceListHeader::new(
        PriceListCode::parse("OTHER").unwrap(),
        PriceListKind::Base,
        CurrencyCode::parse("CZK").unwrap(),
        None,
        None,
        None,
        0,
    )
    .unwrap();
    let error = PriceListTest::with(())
        .given(imported())
        .when(import(other, vec![]))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "wrong-price-list");
}

#[test]
fn import_of_100k_entries_is_chunked_and_its_reimport_produces_nothing() {
    let entries: Vec<PriceEntry> = (0..100_000)
        .rev()
        .map(|n| entry(&format!("SKU-{n:06}"), n % 977 + 1))
        .collect();
    let events = PriceListTest::with(())
        .given_no_previous_events()
        .when(import(header("CZK", 0), entries.clone()))
        .inspect_result()
        .unwrap();
    assert_eq!(events.len(), 1 + 100_000 / ENTRY_CHUNK);
    let mut previous_last: Option<Sku> = None;
    for event in &events[1..] {
        let PriceListEvent::EntriesUpserted { entries } = event else {
            panic!("expected only upserts after the header, got {event:?}");
        };
        assert_eq!(entries.len(), ENTRY_CHUNK);
        if let Some(last) = &previous_last {
            assert!(last < entries[0].sku(), "chunks must be in SKU order");
        }
        previous_last = Some(entries[ENTRY_CHUNK - 1].sku().clone());
    }

    PriceListTest::with(())
        .given(events)
        .when(import(header("CZK", 0), entries))
        .then_expect_events(vec![]);
}

#[test]
fn removing_many_skus_is_chunked_by_one_thousand() {
    let entries: Vec<PriceEntry> = (0..2500).map(|n| entry(&format!("S{n:05}"), 1)).collect();
    let given = vec![
        PriceListEvent::PriceListCreated(header("CZK", 0)),
        PriceListEvent::EntriesUpserted { entries },
    ];
    let events = PriceListTest::with(())
        .given(given)
        .when(import(header("CZK", 0), vec![]))
        .inspect_result()
        .unwrap();
    let sizes: Vec<usize> = events
        .iter()
        .map(|event| match event {
            PriceListEvent::EntriesRemoved { skus } => skus.len(),
            other => panic!("expected removals only, got {other:?}"),
        })
        .collect();
    assert_eq!(sizes, vec![1000, 1000, 500]);
}

#[test]
fn header_refuses_a_window_that_ends_before_it_starts() {
    let result = PriceListHeader::new(
        PriceListCode::parse("X").unwrap(),
        PriceListKind::Base,
        CurrencyCode::parse("CZK").unwrap(),
        None,
        Some(day(2026, 2, 1)),
        Some(day(2026, 1, 1)),
        0,
    );
    assert_eq!(result, Err(PriceListError::InvalidValidity));
}

#[test]
fn header_reads_the_erp_message_shape_and_checks_validity() {
    let json = r#"{"code": "ACME-2026", "kind": "contract", "company_id": "ACME", "currency": "CZK",
        "channel": null, "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2026-12-31T23:59:59Z",
        "priority": 0}"#;
    let header: PriceListHeader = serde_json::from_str(json).unwrap();
    assert_eq!(header.kind().name(), "contract");
    assert!(header.is_valid_at(day(2026, 6, 1)));
    assert!(!header.is_valid_at(day(2027, 1, 1)));
    let back: PriceListHeader =
        serde_json::from_str(&serde_json::to_string(&header).unwrap()).unwrap();
    assert_eq!(back, header);
    let level = r#"{"code": "VO", "kind": "level", "level": "VO", "currency": "CZK"}"#;
    let level: PriceListHeader = serde_json::from_str(level).unwrap();
    assert_eq!(level.priority(), 0);
    assert!(!level.is_dated());
    let backwards = json.replace("2026-12-31", "2025-12-31");
    assert!(serde_json::from_str::<PriceListHeader>(&backwards).is_err());
}

#[test]
fn price_list_state_survives_a_snapshot_round_trip() {
    let mut list = PriceList::default();
    for event in imported() {
        cqrs_es::Aggregate::apply(&mut list, event);
    }
    let json = serde_json::to_string(&list).unwrap();
    let back: PriceList = serde_json::from_str(&json).unwrap();
    assert_eq!(back, list);
    let a = Sku::parse("A").unwrap();
    let one = Quantity::parse(Decimal::ONE).unwrap();
    assert_eq!(
        back.entry(&a).unwrap().unit_price_for(&one).0,
        Money::parse(Decimal::ONE).unwrap()
    );
}
