//! Managing the company's users.

use super::*;
use crate::company::*;

#[test]
fn add_user_fails_when_the_company_is_unknown() {
    CompanyTest::with(())
        .given_no_previous_events()
        .when(CompanyCommand::AddUser {
            user_id: user("jana"),
            name: "Jana".to_owned(),
            role: Role::Buyer,
        })
        .then_expect_error(CompanyError::UnknownCompany);
}

#[test]
fn add_user_adds_a_user_once() {
    let command = CompanyCommand::AddUser {
        user_id: user("jana"),
        name: "jana".to_owned(),
        role: Role::Buyer,
    };
    CompanyTest::with(())
        .given(registered())
        .when(command.clone())
        .then_expect_events(vec![added("jana", Role::Buyer)]);
    CompanyTest::with(())
        .given(registered())
        .and(vec![added("jana", Role::Buyer)])
        .when(command)
        .then_expect_error(CompanyError::UserExists {
            user_id: user("jana"),
        });
}

#[test]
fn change_user_role_produces_nothing_for_the_same_role() {
    let given = CompanyTest::with(())
        .given(registered())
        .and(vec![added("jana", Role::Buyer)]);
    given
        .when(CompanyCommand::ChangeUserRole {
            user_id: user("jana"),
            role: Role::Buyer,
        })
        .then_expect_events(vec![]);
}

#[test]
fn change_user_role_fails_for_unknown_and_inactive_users() {
    CompanyTest::with(())
        .given(registered())
        .when(CompanyCommand::ChangeUserRole {
            user_id: user("ghost"),
            role: Role::Admin,
        })
        .then_expect_error(CompanyError::UnknownUser {
            user_id: user("ghost"),
        });
    CompanyTest::with(())
        .given(registered())
        .and(vec![
            added("jana", Role::Buyer),
            CompanyEvent::UserDeactivated {
                user_id: user("jana"),
            },
        ])
        .when(CompanyCommand::ChangeUserRole {
            user_id: user("jana"),
            role: Role::Admin,
        })
        .then_expect_error_message("user jana is inactive");
}

#[test]
fn deactivate_and_reactivate_are_idempotent() {
    let deactivated = CompanyEvent::UserDeactivated {
        user_id: user("jana"),
    };
    CompanyTest::with(())
        .given(registered())
        .and(vec![added("jana", Role::Buyer), deactivated.clone()])
        .when(CompanyCommand::DeactivateUser {
            user_id: user("jana"),
        })
        .then_expect_events(vec![]);
    CompanyTest::with(())
        .given(registered())
        .and(vec![added("jana", Role::Buyer), deactivated])
        .when(CompanyCommand::ReactivateUser {
            user_id: user("jana"),
        })
        .then_expect_events(vec![CompanyEvent::UserReactivated {
            user_id: user("jana"),
        }]);
    CompanyTest::with(())
        .given(registered())
        .and(vec![added("jana", Role::Buyer)])
        .when(CompanyCommand::ReactivateUser {
            user_id: user("jana"),
        })
        .then_expect_events(vec![]);
}
