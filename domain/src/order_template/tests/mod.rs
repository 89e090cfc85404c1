//! Given/when/then scenarios for the order-template aggregate: creating, renaming, changing and
//! deleting here, schedules and occurrences in their own file.

mod schedule;

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::values::{CompanyId, Quantity, Sku};

pub(super) type TemplateTest = TestFramework<OrderTemplate>;

pub(super) fn template_line(sku: &str, quantity: Decimal) -> TemplateLine {
    TemplateLine {
        sku: Sku::parse(sku).unwrap(),
        quantity: Quantity::parse(quantity).unwrap(),
    }
}

fn weekly_lines() -> Vec<TemplateLine> {
    vec![
        template_line("DRILL-18V", dec!(2)),
        template_line("BIT-SET", dec!(10)),
    ]
}

fn create(name: &str, lines: Vec<TemplateLine>) -> TemplateCommand {
    TemplateCommand::Create {
        template_id: "T-1".to_owned(),
        company_id: CompanyId::parse("ACME").unwrap(),
        name: name.to_owned(),
        lines,
        created_by: "jana".to_owned(),
        from_order_id: Some("O-1".to_owned()),
    }
}

pub(super) fn created() -> Vec<TemplateEvent> {
    vec![TemplateEvent::TemplateCreated {
        template_id: "T-1".to_owned(),
        company_id: CompanyId::parse("ACME").unwrap(),
        name: "Weekly workshop".to_owned(),
        lines: weekly_lines(),
        created_by: "jana".to_owned(),
        from_order_id: Some("O-1".to_owned()),
    }]
}

pub(super) fn deleted() -> Vec<TemplateEvent> {
    let mut events = created();
    events.push(TemplateEvent::TemplateDeleted {
        by: "jana".to_owned(),
    });
    events
}

pub(super) fn template_after(events: Vec<TemplateEvent>) -> OrderTemplate {
    let mut template = OrderTemplate::default();
    for event in events {
        template.apply(event);
    }
    template
}

pub(super) fn error_code(history: Vec<TemplateEvent>, command: TemplateCommand) -> &'static str {
    TemplateTest::with(())
        .given(history)
        .when(command)
        .inspect_result()
        .unwrap_err()
        .code()
}

#[test]
fn create_makes_a_named_template_from_an_order() {
    TemplateTest::with(())
        .given_no_previous_events()
        .when(create("Weekly workshop", weekly_lines()))
        .then_expect_events(created());
    let template = template_after(created());
    assert_eq!(template.template_id(), Some("T-1"));
    assert_eq!(template.company_id().unwrap().as_str(), "ACME");
    assert_eq!(template.name(), "Weekly workshop");
    assert_eq!(template.lines(), weekly_lines().as_slice());
    assert_eq!(template.created_by(), "jana");
    assert_eq!(template.from_order_id(), Some("O-1"));
    assert!(!template.is_deleted());
}

#[test]
fn create_fails_when_the_template_exists() {
    TemplateTest::with(())
        .given(created())
        .when(create("Weekly workshop", weekly_lines()))
        .then_expect_error_message("template T-1 already exists");
}

#[test]
fn create_checks_the_name() {
    let code = |name: &str| error_code(vec![], create(name, weekly_lines()));
    assert_eq!(code(""), "invalid-template-name");
    assert_eq!(code("   "), "invalid-template-name");
    assert_eq!(code(&"x".repeat(101)), "invalid-template-name");
    TemplateTest::with(())
        .given_no_previous_events()
        .when(create(&"ž".repeat(100), weekly_lines()))
        .inspect_result()
        .unwrap();
}

#[test]
fn create_checks_the_lines() {
    let code = |lines: Vec<TemplateLine>| error_code(vec![], create("Weekly", lines));
    assert_eq!(code(vec![]), "no-lines");
    let many = (0..1001)
        .map(|n| template_line(&format!("SKU-{n}"), dec!(1)))
        .collect();
    assert_eq!(code(many), "too-many-lines");
    let twice = vec![
        template_line("DRILL-18V", dec!(1)),
        template_line("DRILL-18V", dec!(2)),
    ];
    TemplateTest::with(())
        .given_no_previous_events()
        .when(create("Weekly", twice))
        .then_expect_error_message("sku DRILL-18V appears more than once");
}

#[test]
fn commands_fail_for_a_template_that_does_not_exist() {
    let code = error_code(
        vec![],
        TemplateCommand::Delete {
            by: "jana".to_owned(),
        },
    );
    assert_eq!(code, "unknown-template");
}

#[test]
fn rename_renames_and_ignores_the_same_name() {
    let rename = |name: &str| TemplateCommand::Rename {
        name: name.to_owned(),
        by: "petr".to_owned(),
    };
    TemplateTest::with(())
        .given(created())
        .when(rename("Monthly"))
        .then_expect_events(vec![TemplateEvent::TemplateRenamed {
            name: "Monthly".to_owned(),
            by: "petr".to_owned(),
        }]);
    TemplateTest::with(())
        .given(created())
        .when(rename("Weekly workshop"))
        .then_expect_events(vec![]);
    assert_eq!(error_code(created(), rename("")), "invalid-template-name");
}

#[test]
fn replace_lines_replaces_and_ignores_the_same_lines() {
    let replace = |lines: Vec<TemplateLine>| TemplateCommand::ReplaceLines {
        lines,
        by: "petr".to_owned(),
    };
    let new_lines = vec![template_line("SAW-1", dec!(1))];
    TemplateTest::with(())
        .given(created())
        .when(replace(new_lines.clone()))
        .then_expect_events(vec![TemplateEvent::TemplateLinesReplaced {
            lines: new_lines,
            by: "petr".to_owned(),
        }]);
    TemplateTest::with(())
        .given(created())
        .when(replace(weekly_lines()))
        .then_expect_events(vec![]);
    assert_eq!(error_code(created(), replace(vec![])), "no-lines");
}

#[test]
fn delete_deletes_once_and_then_refuses_everything_else() {
    let delete = TemplateCommand::Delete {
        by: "jana".to_owned(),
    };
    TemplateTest::with(())
        .given(created())
        .when(delete.clone())
        .then_expect_events(deleted()[1..].to_vec());
    TemplateTest::with(())
        .given(deleted())
        .when(delete)
        .then_expect_events(vec![]);
    TemplateTest::with(())
        .given(deleted())
        .when(TemplateCommand::Rename {
            name: "Again".to_owned(),
            by: "jana".to_owned(),
        })
        .then_expect_error_message("the template was deleted");
    assert_eq!(
        error_code(deleted(), create("Weekly workshop", weekly_lines())),
        "template-deleted"
    );
    assert!(template_after(deleted()).is_deleted());
}

#[test]
fn template_state_survives_a_snapshot_round_trip() {
    let template = template_after(created());
    let json = serde_json::to_string(&template).unwrap();
    assert_eq!(
        serde_json::from_str::<OrderTemplate>(&json).unwrap(),
        template
    );
    let event = serde_json::to_value(&created()[0]).unwrap();
    assert_eq!(event["TemplateCreated"]["lines"][1]["quantity"], "10");
}
