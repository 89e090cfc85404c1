//! A plain-text table of measurements: what was measured, the result, the baseline measured in
//! the same run, and their ratio.

use std::fmt;

/// Rows of four columns, printed with aligned columns.
#[derive(Default)]
pub(crate) struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    /// A row without a baseline.
    pub fn row(&mut self, what: impl Into<String>, result: impl Into<String>) {
        self.rows
            .push([what.into(), result.into(), String::new(), String::new()]);
    }

    /// A row with a baseline and the ratio result ÷ baseline of two comparable numbers.
    pub fn compared(
        &mut self,
        what: impl Into<String>,
        result: impl Into<String>,
        baseline: impl Into<String>,
        ratio: f64,
    ) {
        self.rows.push([
            what.into(),
            result.into(),
            baseline.into(),
            format!("{ratio:.2}"),
        ]);
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = [
            "measurement".to_string(),
            "result".to_string(),
            "baseline (same run)".to_string(),
            "ratio".to_string(),
        ];
        let mut widths = [0usize; 4];
        for row in std::iter::once(&header).chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = width - cell.chars().count();
                if i == 3 {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Milliseconds with two decimals.
pub(crate) fn ms(value: f64) -> String {
    format!("{value:.2} ms")
}

/// Seconds with two decimals.
pub(crate) fn secs(value: f64) -> String {
    format!("{value:.2} s")
}

/// A rate without decimals.
pub(crate) fn rate(value: f64, unit: &str) -> String {
    format!("{value:.0} {unit}/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_ratios_align_right() {
        let mut table = Table::default();
        table.compared("quote", "2.00 ms", "1.00 ms", 2.0);
        table.row("re-import", "0 events");
        let text = table.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("measurement  result"));
        assert!(lines[1].ends_with("2.00"));
        assert_eq!(lines[0].find("result"), lines[1].find("2.00 ms"));
    }
}
