//! The company aggregate: state, command handling and the queries the app asks of it.

use std::collections::BTreeMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::{
    ApprovalPolicy, CompanyCommand, CompanyError, CompanyEvent, CompanyMaster, CompanyUser,
};
use crate::values::{CurrencyCode, Money, UserId};

/// The company aggregate (aggregate id = company id). Empty until the ERP first syncs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    master: Option<CompanyMaster>,
    users: BTreeMap<UserId, CompanyUser>,
    approval: ApprovalPolicy,
}

impl Company {
    /// The ERP master data, once registered.
    pub fn master(&self) -> Option<&CompanyMaster> {
        self.master.as_ref()
    }

    /// A user of this company, active or not.
    pub fn user(&self, id: &UserId) -> Option<&CompanyUser> {
        self.users.get(id)
    }

    /// All users, ordered by id.
    pub fn users(&self) -> impl Iterator<Item = &CompanyUser> {
        self.users.values()
    }

    /// The approval policy (no rules and no self-approval until one is set).
    pub fn approval_policy(&self) -> &ApprovalPolicy {
        &self.approval
    }

    /// Human-readable reasons why an order by `buyer` with this total net amount needs approval;
    /// empty when no rule applies.
    pub fn approval_reasons(
        &self,
        buyer: &UserId,
        total_net: &Money,
        currency: &CurrencyCode,
    ) -> Vec<String> {
        self.approval.reasons(buyer, total_net, currency)
    }

    /// Checks that `approver` may approve an order placed by `order_buyer`: a known, active
    /// user whose role approves, and not the buyer unless the policy allows self-approval.
    pub fn may_approve(&self, approver: &UserId, order_buyer: &UserId) -> Result<(), CompanyError> {
        self.registered()?;
        let user = self.active_user(approver)?;
        if !user.role.may_approve() {
            return Err(CompanyError::NotAnApprover {
                user_id: approver.clone(),
            });
        }
        if approver == order_buyer && !self.approval.allow_self_approval {
            return Err(CompanyError::FourEyesRequired);
        }
        Ok(())
    }

    fn registered(&self) -> Result<&CompanyMaster, CompanyError> {
        self.master.as_ref().ok_or(CompanyError::UnknownCompany)
    }

    fn known_user(&self, id: &UserId) -> Result<&CompanyUser, CompanyError> {
        self.users.get(id).ok_or_else(|| CompanyError::UnknownUser {
            user_id: id.clone(),
        })
    }

    fn active_user(&self, id: &UserId) -> Result<&CompanyUser, CompanyError> {
        let user = self.known_user(id)?;
        if !user.active {
            return Err(CompanyError::UserInactive {
                user_id: id.clone(),
            });
        }
        Ok(user)
    }

    /// Decides which event, if any, a command produces; never changes state itself.
    fn decide(&self, command: CompanyCommand) -> Result<Option<CompanyEvent>, CompanyError> {
        // Users and policies belong to a company the ERP has registered.
        if !matches!(command, CompanyCommand::SyncMaster(_)) {
            self.registered()?;
        }
        let event = match command {
            CompanyCommand::SyncMaster(master) => return self.decide_sync(master),
            CompanyCommand::AddUser {
                user_id,
                name,
                role,
            } => {
                if self.users.contains_key(&user_id) {
                    return Err(CompanyError::UserExists { user_id });
                }
                if name.trim().is_empty() {
                    return Err(CompanyError::EmptyUserName);
                }
                Some(CompanyEvent::UserAdded {
                    user_id,
                    name,
                    role,
                })
            }
            CompanyCommand::ChangeUserRole { user_id, role } => {
                let user = self.active_user(&user_id)?;
                (user.role != role).then_some(CompanyEvent::UserRoleChanged { user_id, role })
            }
            CompanyCommand::DeactivateUser { user_id } => {
                let user = self.known_user(&user_id)?;
                user.active
                    .then_some(CompanyEvent::UserDeactivated { user_id })
            }
            CompanyCommand::ReactivateUser { user_id } => {
                let user = self.known_user(&user_id)?;
                (!user.active).then_some(CompanyEvent::UserReactivated { user_id })
            }
            CompanyCommand::SetApprovalPolicy {
                rules,
                allow_self_approval,
            } => {
                let wanted = ApprovalPolicy {
                    rules,
                    allow_self_approval,
                };
                (wanted != self.approval).then_some(CompanyEvent::ApprovalPolicySet {
                    rules: wanted.rules,
                    allow_self_approval: wanted.allow_self_approval,
                })
            }
        };
        Ok(event)
    }

    fn decide_sync(&self, master: CompanyMaster) -> Result<Option<CompanyEvent>, CompanyError> {
        master.check()?;
        match &self.master {
            None => Ok(Some(CompanyEvent::CompanyRegistered(master))),
            Some(current) if current.company_id != master.company_id => {
                Err(CompanyError::CompanyMismatch {
                    registered: current.company_id.clone(),
                    given: master.company_id,
                })
            }
            Some(current) if *current == master => Ok(None),
            Some(_) => Ok(Some(CompanyEvent::CompanyMasterUpdated(master))),
        }
    }
}

impl Aggregate for Company {
    const TYPE: &'static str = "company";
    type Command = CompanyCommand;
    type Event = CompanyEvent;
    type Error = CompanyError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        if let Some(event) = self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            CompanyEvent::CompanyRegistered(master)
            | CompanyEvent::CompanyMasterUpdated(master) => {
                self.master = Some(master);
            }
            CompanyEvent::UserAdded {
                user_id,
                name,
                role,
            } => {
                let user = CompanyUser {
                    user_id: user_id.clone(),
                    name,
                    role,
                    active: true,
                };
                self.users.insert(user_id, user);
            }
            CompanyEvent::UserRoleChanged { user_id, role } => {
                self.update_user(&user_id, |user| user.role = role);
            }
            CompanyEvent::UserDeactivated { user_id } => {
                self.update_user(&user_id, |user| user.active = false);
            }
            CompanyEvent::UserReactivated { user_id } => {
                self.update_user(&user_id, |user| user.active = true);
            }
            CompanyEvent::ApprovalPolicySet {
                rules,
                allow_self_approval,
            } => {
                self.approval = ApprovalPolicy {
                    rules,
                    allow_self_approval,
                };
            }
        }
    }
}

impl Company {
    /// Applies a change to a user; events only name users that exist, so a miss is ignored.
    fn update_user(&mut self, id: &UserId, change: impl FnOnce(&mut CompanyUser)) {
        if let Some(user) = self.users.get_mut(id) {
            change(user);
        }
    }
}
