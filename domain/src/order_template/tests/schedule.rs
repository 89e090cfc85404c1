//! Schedules and their occurrences.

use chrono::NaiveDate;

use super::*;
use crate::values::{ChannelCode, CurrencyCode, UserId};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn weekly(starts_on: NaiveDate) -> Schedule {
    Schedule {
        every: 1,
        unit: IntervalUnit::Weeks,
        starts_on,
        channel: ChannelCode::parse("b2b-cz").unwrap(),
        currency: CurrencyCode::parse("CZK").unwrap(),
        delivery_address_id: "HQ".to_owned(),
        buyer: UserId::parse("jana").unwrap(),
    }
}

fn schedule_set(schedule: Schedule) -> TemplateEvent {
    TemplateEvent::ScheduleSet {
        schedule,
        by: "jana".to_owned(),
    }
}

fn placed(occurrence: u32) -> TemplateEvent {
    TemplateEvent::OccurrencePlaced {
        occurrence,
        order_id: format!("O-{occurrence}"),
    }
}

fn record(occurrence: u32, order_id: &str) -> TemplateCommand {
    TemplateCommand::RecordOccurrence {
        occurrence,
        order_id: order_id.to_owned(),
    }
}

/// Created, then scheduled weekly from Monday 5 January 2026.
fn scheduled() -> Vec<TemplateEvent> {
    let mut events = created();
    events.push(schedule_set(weekly(date(2026, 1, 5))));
    events
}

fn with(mut history: Vec<TemplateEvent>, more: &[TemplateEvent]) -> Vec<TemplateEvent> {
    history.extend_from_slice(more);
    history
}

#[test]
fn set_schedule_sets_a_new_schedule_and_ignores_the_same_one() {
    let set = TemplateCommand::SetSchedule {
        schedule: weekly(date(2026, 1, 5)),
        by: "jana".to_owned(),
    };
    TemplateTest::with(())
        .given(created())
        .when(set.clone())
        .then_expect_events(scheduled()[1..].to_vec());
    TemplateTest::with(())
        .given(scheduled())
        .when(set)
        .then_expect_events(vec![]);
}

#[test]
fn set_schedule_refuses_an_interval_outside_one_to_365() {
    let mut schedule = weekly(date(2026, 1, 5));
    schedule.every = 366;
    TemplateTest::with(())
        .given(created())
        .when(TemplateCommand::SetSchedule {
            schedule,
            by: "jana".to_owned(),
        })
        .then_expect_error_message("invalid schedule: every must be between 1 and 365");
}

#[test]
fn clear_schedule_clears_and_is_a_no_op_without_one() {
    let clear = TemplateCommand::ClearSchedule {
        by: "jana".to_owned(),
    };
    let cleared = TemplateEvent::ScheduleCleared {
        by: "jana".to_owned(),
    };
    TemplateTest::with(())
        .given(scheduled())
        .when(clear.clone())
        .then_expect_events(vec![cleared.clone()]);
    TemplateTest::with(())
        .given(created())
        .when(clear)
        .then_expect_events(vec![]);
    let template = template_after(with(scheduled(), &[cleared]));
    assert_eq!(template.schedule(), None);
    assert_eq!(template.due_occurrence(date(2030, 1, 1)), None);
}

#[test]
fn record_occurrence_records_occurrences_in_order_from_zero() {
    TemplateTest::with(())
        .given(scheduled())
        .when(record(0, "O-0"))
        .then_expect_events(vec![placed(0)]);
    TemplateTest::with(())
        .given(with(scheduled(), &[placed(0)]))
        .when(record(1, "O-1"))
        .then_expect_events(vec![placed(1)]);
    TemplateTest::with(())
        .given(with(scheduled(), &[placed(0)]))
        .when(record(2, "O-2"))
        .then_expect_error_message("occurrence 2 is not the next one; expected 1");
}

#[test]
fn record_occurrence_again_is_a_no_op_but_not_with_another_order() {
    let history = with(scheduled(), &[placed(0), placed(1)]);
    TemplateTest::with(())
        .given(history.clone())
        .when(record(0, "O-0"))
        .then_expect_events(vec![]);
    assert_eq!(
        error_code(history, record(1, "O-99")),
        "occurrence-conflict"
    );
}

#[test]
fn record_occurrence_needs_a_schedule() {
    assert_eq!(error_code(created(), record(0, "O-0")), "no-schedule");
}

#[test]
fn due_occurrence_is_the_next_occurrence_once_its_date_has_come() {
    let template = template_after(scheduled());
    assert_eq!(template.due_occurrence(date(2026, 1, 4)), None);
    assert_eq!(
        template.due_occurrence(date(2026, 1, 5)),
        Some((0, date(2026, 1, 5)))
    );
    // A scheduler that was down for weeks catches up one occurrence at a time.
    assert_eq!(
        template.due_occurrence(date(2026, 3, 1)),
        Some((0, date(2026, 1, 5)))
    );
    let later = template_after(with(scheduled(), &[placed(0), placed(1)]));
    assert_eq!(later.next_occurrence(), 2);
    assert_eq!(later.order_for_occurrence(1), Some("O-1"));
    assert_eq!(later.due_occurrence(date(2026, 1, 18)), None);
    assert_eq!(
        later.due_occurrence(date(2026, 1, 19)),
        Some((2, date(2026, 1, 19)))
    );
}

#[test]
fn a_new_schedule_starts_where_the_numbering_left_off() {
    let history = with(
        scheduled(),
        &[placed(0), placed(1), schedule_set(weekly(date(2026, 6, 1)))],
    );
    let template = template_after(history);
    assert_eq!(template.due_occurrence(date(2026, 5, 31)), None);
    assert_eq!(
        template.due_occurrence(date(2026, 6, 1)),
        Some((2, date(2026, 6, 1)))
    );
}

#[test]
fn nothing_is_due_for_a_deleted_template() {
    let history = with(
        scheduled(),
        &[TemplateEvent::TemplateDeleted {
            by: "jana".to_owned(),
        }],
    );
    assert_eq!(
        template_after(history.clone()).due_occurrence(date(2026, 6, 1)),
        None
    );
    assert_eq!(error_code(history, record(0, "O-0")), "template-deleted");
    assert!(template_after(deleted()).schedule().is_none());
}
