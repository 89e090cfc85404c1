//! Physical names of a read model's tables: the live ones, or the shadow copies a rebuild fills.

use std::collections::HashMap;

use anyhow::Context;

/// One table of a read model. The DDL is portable SQL (TEXT and BIGINT columns) whose
/// `{table}` placeholders stand for the physical table name; index names must start with
/// `{table}` too, so that every rebuild generation has its own.
#[derive(Clone, Debug)]
pub struct TableDef {
    /// Logical (and live) name.
    pub name: &'static str,
    /// `CREATE TABLE {table} (...)` and its `CREATE INDEX {table}_... ON {table} (...)`
    /// statements, separated by `;`.
    pub ddl: &'static str,
}

impl TableDef {
    /// The statements that create this table under a physical name.
    pub fn statements(&self, physical: &str) -> Vec<String> {
        self.ddl
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("{table}", physical))
            .collect()
    }
}

/// Logical → physical table names for one apply.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    names: HashMap<&'static str, String>,
}

impl Tables {
    /// The live tables of a projection.
    pub fn live(defs: &[TableDef]) -> Self {
        Self {
            names: defs.iter().map(|d| (d.name, d.name.to_string())).collect(),
        }
    }

    /// The shadow tables of a rebuild generation.
    pub fn shadow(defs: &[TableDef], generation: i64) -> Self {
        Self {
            names: defs
                .iter()
                .map(|d| (d.name, shadow_name(d.name, generation)))
                .collect(),
        }
    }

    /// The physical name of a logical table. Asking for a table the projection did not declare
    /// is a programming error reported as such.
    pub fn get(&self, logical: &str) -> anyhow::Result<&str> {
        self.names
            .get(logical)
            .map(String::as_str)
            .with_context(|| format!("table {logical} is not declared by this projection"))
    }
}

/// The name of a table's shadow copy in a rebuild generation.
pub fn shadow_name(table: &str, generation: i64) -> String {
    format!("{table}__r{generation}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_is_split_and_named_per_generation() {
        let def = TableDef {
            name: "rm_demo",
            ddl: "CREATE TABLE {table} (id TEXT PRIMARY KEY); CREATE INDEX {table}_x ON {table} (id);",
        };
        let shadow = Tables::shadow(std::slice::from_ref(&def), 7);
        let physical = shadow.get("rm_demo").unwrap();
        assert_eq!(physical, "rm_demo__r7");
        let statements = def.statements(physical);
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[1],
            "CREATE INDEX rm_demo__r7_x ON rm_demo__r7 (id)"
        );
        assert!(shadow.get("other").is_err());
    }
}
