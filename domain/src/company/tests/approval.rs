//! The approval policy and who may approve.

use rust_decimal_macros::dec;

use super::*;
use crate::company::*;
use crate::values::{CurrencyCode, Money};

#[test]
fn set_approval_policy_produces_nothing_when_identical() {
    let rules = vec![ApprovalRule::AnyOrderBy {
        user_id: user("jana"),
    }];
    CompanyTest::with(())
        .given(registered())
        .when(CompanyCommand::SetApprovalPolicy {
            rules: vec![],
            allow_self_approval: false,
        })
        .then_expect_events(vec![]);
    CompanyTest::with(())
        .given(registered())
        .when(CompanyCommand::SetApprovalPolicy {
            rules: rules.clone(),
            allow_self_approval: true,
        })
        .then_expect_events(vec![CompanyEvent::ApprovalPolicySet {
            rules,
            allow_self_approval: true,
        }]);
}

#[test]
fn approval_reasons_name_every_rule_that_applies() {
    let company = company_after(vec![
        CompanyEvent::CompanyRegistered(acme()),
        CompanyEvent::ApprovalPolicySet {
            rules: vec![
                ApprovalRule::OrderTotalAbove {
                    amount: Money::parse(dec!(4000)).unwrap(),
                    currency: czk(),
                },
                ApprovalRule::AnyOrderBy {
                    user_id: user("petr"),
                },
            ],
            allow_self_approval: false,
        },
    ]);
    let total = Money::parse(dec!(4800.00)).unwrap();
    let reasons = company.approval_reasons(&user("petr"), &total, &czk());
    assert_eq!(
        reasons,
        vec![
            "order total 4800 CZK is above the approval limit of 4000 CZK".to_owned(),
            "every order by petr needs approval".to_owned(),
        ]
    );
    let small = Money::parse(dec!(4000)).unwrap();
    assert!(company
        .approval_reasons(&user("jana"), &small, &czk())
        .is_empty());
    let eur = CurrencyCode::parse("EUR").unwrap();
    assert!(company
        .approval_reasons(&user("jana"), &total, &eur)
        .is_empty());
}

#[test]
fn approval_rules_serialize_with_a_kind_tag() {
    let rule = ApprovalRule::OrderTotalAbove {
        amount: Money::parse(dec!(10000)).unwrap(),
        currency: czk(),
    };
    let json = serde_json::to_string(&rule).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"order_total_above","amount":"10000","currency":"CZK"}"#
    );
    assert_eq!(serde_json::from_str::<ApprovalRule>(&json).unwrap(), rule);
}

#[test]
fn may_approve_requires_an_active_approver_other_than_the_buyer() {
    let mut events = registered();
    events.extend([
        added("jana", Role::Buyer),
        added("eva", Role::Approver),
        added("adam", Role::Admin),
        added("olga", Role::Approver),
        CompanyEvent::UserDeactivated {
            user_id: user("olga"),
        },
    ]);
    let company = company_after(events.clone());
    assert_eq!(company.may_approve(&user("eva"), &user("jana")), Ok(()));
    assert_eq!(company.may_approve(&user("adam"), &user("jana")), Ok(()));
    let code = |approver: &str, buyer: &str| {
        company
            .may_approve(&user(approver), &user(buyer))
            .unwrap_err()
            .code()
    };
    assert_eq!(code("jana", "eva"), "not-an-approver");
    assert_eq!(code("olga", "jana"), "user-inactive");
    assert_eq!(code("ghost", "jana"), "unknown-user");
    assert_eq!(code("eva", "eva"), "four-eyes-required");

    events.push(CompanyEvent::ApprovalPolicySet {
        rules: vec![],
        allow_self_approval: true,
    });
    let lenient = company_after(events);
    assert_eq!(lenient.may_approve(&user("eva"), &user("eva")), Ok(()));
}

#[test]
fn may_approve_fails_for_an_unknown_company() {
    let company = Company::default();
    assert_eq!(
        company.may_approve(&user("eva"), &user("jana")),
        Err(CompanyError::UnknownCompany)
    );
}
