//! Scopes: what a key may reach.

use std::fmt;

use serde::{Serialize, Serializer};

/// One scope of an API key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The e-shop backend of one channel (`eshop:b2b-cz`), or of every channel (`eshop:*`).
    Eshop(Option<String>),
    /// The ERP's connector: master data, stock, order status, invoices.
    Erp,
    /// Auditors: the event log, time travel, the seal chain, the access log.
    Auditor,
    /// Operations: subscribers, rebuilds, quarantine, the ERP outbox.
    Ops,
}

impl Scope {
    /// Parses `eshop:<channel>`, `eshop:*`, `erp`, `auditor` or `ops`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "erp" => Ok(Self::Erp),
            "auditor" => Ok(Self::Auditor),
            "ops" => Ok(Self::Ops),
            "eshop:*" => Ok(Self::Eshop(None)),
            other => match other.strip_prefix("eshop:") {
                Some(channel) if domain::values::ChannelCode::parse(channel).is_ok() => {
                    Ok(Self::Eshop(Some(channel.to_string())))
                }
                _ => Err(format!(
                    "{other:?} is not a scope (eshop:<channel>, eshop:*, erp, auditor, ops)"
                )),
            },
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Eshop(Some(channel)) => write!(f, "eshop:{channel}"),
            Self::Eshop(None) => f.write_str("eshop:*"),
            Self::Erp => f.write_str("erp"),
            Self::Auditor => f.write_str("auditor"),
            Self::Ops => f.write_str("ops"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Who is calling: a key and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The key's id.
    pub key_id: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether the key may use the e-shop API at all.
    pub fn is_eshop(&self) -> bool {
        self.scopes.iter().any(|s| matches!(s, Scope::Eshop(_)))
    }

    /// Whether the key may act for a channel.
    pub fn may_use_channel(&self, channel: &str) -> bool {
        self.scopes.iter().any(|s| match s {
            Scope::Eshop(None) => true,
            Scope::Eshop(Some(c)) => c == channel,
            _ => false,
        })
    }

    /// The channels an e-shop key is limited to (`None`: every channel).
    pub fn channels(&self) -> Option<Vec<String>> {
        let mut channels = Vec::new();
        for scope in &self.scopes {
            match scope {
                Scope::Eshop(None) => return None,
                Scope::Eshop(Some(c)) => channels.push(c.clone()),
                _ => {}
            }
        }
        Some(channels)
    }

    /// Whether the key holds a scope (e-shop scopes: any channel).
    pub fn has(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Eshop(_) => self.is_eshop(),
            other => self.scopes.contains(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print_back() {
        for text in ["eshop:b2b-cz", "eshop:*", "erp", "auditor", "ops"] {
            assert_eq!(Scope::parse(text).unwrap().to_string(), text);
        }
        assert!(Scope::parse("admin").is_err());
        assert!(Scope::parse("eshop:").is_err());
    }

    #[test]
    fn an_eshop_key_reaches_only_its_channel() {
        let p = Principal {
            key_id: "k".into(),
            scopes: vec![Scope::Eshop(Some("b2b-cz".into()))],
        };
        assert!(p.may_use_channel("b2b-cz"));
        assert!(!p.may_use_channel("b2b-sk"));
        assert!(p.has(&Scope::Eshop(None)));
        assert!(!p.has(&Scope::Erp));
        let all = Principal {
            key_id: "k".into(),
            scopes: vec![Scope::Eshop(None)],
        };
        assert!(all.may_use_channel("anything"));
    }
}
