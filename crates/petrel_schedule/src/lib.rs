//! Cron schedules of scheduled functions, read the way Netlify reads them: five fields
//! (minute hour day-of-month month day-of-week), always UTC, with ranges, steps, lists, month and
//! day names, and the aliases `@yearly @monthly @weekly @daily @hourly`. `@reboot` and
//! `@annually` are refused, as Netlify's docs say, and so is a seconds field.
//!
//! Parsing and date arithmetic come from the `croner` crate; this crate adds Netlify's rules and
//! messages that name the bad field, and works in milliseconds since the Unix epoch so that
//! time can come from an injected clock.

use std::fmt;

pub mod scheduler;

use chrono::{DateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A checked schedule.
#[derive(Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schedule").field(&self.expression).finish()
    }
}

/// Why a cron expression is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// An alias Netlify does not support.
    #[error(
        "`{alias}` is not supported for scheduled functions (Netlify supports @yearly, @monthly, @weekly, @daily and @hourly); write the schedule as 5 cron fields, e.g. \"0 0 1 1 *\""
    )]
    Alias {
        /// The alias as written.
        alias: String,
    },
    /// Not five fields.
    #[error(
        "`{expression}` has {found} field(s); a schedule has 5: minute hour day-of-month month day-of-week (UTC), e.g. \"*/5 * * * *\""
    )]
    FieldCount {
        /// The expression.
        expression: String,
        /// How many fields it has.
        found: usize,
    },
    /// One field is out of range or malformed.
    #[error("`{expression}`: the {field} field `{value}` is not valid ({detail})")]
    Field {
        /// The expression.
        expression: String,
        /// Which field (`minute`, `hour`, `day-of-month`, `month`, `day-of-week`).
        field: &'static str,
        /// The field as written.
        value: String,
        /// The parser's reason.
        detail: String,
    },
}

/// The five fields' names, in order.
pub const FIELDS: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];

impl Schedule {
    /// Checks and parses `expression`.
    pub fn parse(expression: &str) -> Result<Schedule, ScheduleError> {
        let trimmed = expression.trim();
        if let Some(alias) = trimmed.strip_prefix('@') {
            let lower = alias.to_ascii_lowercase();
            if !["yearly", "monthly", "weekly", "daily", "hourly"].contains(&lower.as_str()) {
                return Err(ScheduleError::Alias {
                    alias: trimmed.to_string(),
                });
            }
        } else {
            let fields: Vec<&str> = trimmed.split_whitespace().collect();
            if fields.len() != 5 {
                return Err(ScheduleError::FieldCount {
                    expression: trimmed.to_string(),
                    found: fields.len(),
                });
            }
            // Check each field on its own (with `*` elsewhere), so the error names it.
            for (index, value) in fields.iter().enumerate() {
                let mut probe = ["*"; 5];
                probe[index] = value;
                if let Err(err) = parser().parse(&probe.join(" ")) {
                    return Err(ScheduleError::Field {
                        expression: trimmed.to_string(),
                        field: FIELDS[index],
                        value: (*value).to_string(),
                        detail: err.to_string(),
                    });
                }
            }
        }
        let cron = parser()
            .parse(trimmed)
            .map_err(|err| ScheduleError::Field {
                expression: trimmed.to_string(),
                field: "day-of-month",
                value: trimmed.to_string(),
                detail: err.to_string(),
            })?;
        Ok(Schedule {
            expression: trimmed.to_string(),
            cron,
        })
    }

    /// Parses a 6-field expression whose first field is seconds, e.g. `"7 * * * * *"` (second 7
    /// of every minute). For tests and benchmarks only: this is never reachable from a user's
    /// config, since Netlify has no seconds field (use [`Schedule::parse`] for those); it lets
    /// benchmarks spread schedules over a minute instead of having them all fire at second 0.
    ///
    /// Aliases are refused, and a wrong number of fields is reported as
    /// [`ScheduleError::FieldCount`] (whose message describes the 5 user-facing fields).
    pub fn parse_with_seconds(expression: &str) -> Result<Schedule, ScheduleError> {
        const NAMES: [&str; 6] = [
            "second",
            "minute",
            "hour",
            "day-of-month",
            "month",
            "day-of-week",
        ];
        let trimmed = expression.trim();
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        if fields.len() != 6 || trimmed.contains('@') {
            return Err(ScheduleError::FieldCount {
                expression: trimmed.to_string(),
                found: fields.len(),
            });
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Disallowed)
            .build();
        let field_error = |index: usize, value: &str, detail: String| ScheduleError::Field {
            expression: trimmed.to_string(),
            field: NAMES[index],
            value: value.to_string(),
            detail,
        };
        for (index, value) in fields.iter().enumerate() {
            let mut probe = ["*"; 6];
            probe[index] = value;
            if let Err(err) = parser.parse(&probe.join(" ")) {
                return Err(field_error(index, value, err.to_string()));
            }
        }
        let cron = parser
            .parse(trimmed)
            .map_err(|err| field_error(3, trimmed, err.to_string()))?;
        Ok(Schedule {
            expression: trimmed.to_string(),
            cron,
        })
    }

    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first occurrence strictly after `after_ms` (ms since the epoch, UTC).
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let after = utc(after_ms)?;
        self.cron
            .find_next_occurrence(&after, false)
            .ok()
            .map(|t| t.timestamp_millis())
    }

    /// The next `n` occurrences strictly after `after_ms`.
    pub fn next_n(&self, after_ms: i64, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut at = after_ms;
        while out.len() < n {
            match self.next_after(at) {
                Some(next) => {
                    out.push(next);
                    at = next;
                }
                None => break,
            }
        }
        out
    }
}

/// The parser behind [`Schedule::parse`]: exactly 5 fields. croner's defaults already give the
/// classic (Vixie) cron rule that when both day-of-month and day-of-week are restricted, a day
/// matching either one fires (`dom_and_dow` is off by default), and read day-of-week 7 as Sunday.
fn parser() -> CronParser {
    CronParser::builder().seconds(Seconds::Disallowed).build()
}

fn utc(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

/// `2026-11-24T17:50:00.000Z` (what Netlify sends as `next_run`).
pub fn iso(ms: i64) -> String {
    utc(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-22T17:47:10Z
    const T: i64 = 1_795_369_630_000;

    #[test]
    fn next_runs_in_utc() {
        assert_eq!(iso(T), "2026-11-22T17:47:10.000Z");
        let every5 = Schedule::parse("*/5 * * * *").unwrap();
        let next: Vec<String> = every5.next_n(T, 3).into_iter().map(iso).collect();
        assert_eq!(
            next,
            [
                "2026-11-22T17:50:00.000Z",
                "2026-11-22T17:55:00.000Z",
                "2026-11-22T18:00:00.000Z"
            ]
        );
        let daily = Schedule::parse("@daily").unwrap();
        assert_eq!(
            daily.next_after(T).map(iso).as_deref(),
            Some("2026-11-23T00:00:00.000Z")
        );
        let names = Schedule::parse("30 9 1-7 JAN,jul MON-FRI").unwrap();
        assert_eq!(
            names.next_after(T).map(iso).as_deref(),
            Some("2027-01-01T09:30:00.000Z")
        );
        assert!(Schedule::parse("@HOURLY").is_ok());
    }

    #[test]
    fn seconds_only_through_parse_with_seconds() {
        let at7 = Schedule::parse_with_seconds("7 * * * * *").unwrap();
        assert_eq!(at7.expression(), "7 * * * * *");
        let next: Vec<String> = at7.next_n(T, 3).into_iter().map(iso).collect();
        assert_eq!(
            next,
            [
                "2026-11-22T17:48:07.000Z",
                "2026-11-22T17:49:07.000Z",
                "2026-11-22T17:50:07.000Z"
            ]
        );
        // Strictly after: an occurrence as input gives the next one.
        let from_occurrence = at7.next_after(T - 3_000).map(iso);
        assert_eq!(from_occurrence.as_deref(), Some("2026-11-22T17:48:07.000Z"));

        // `parse` stays at 5 fields.
        assert_eq!(
            Schedule::parse("7 * * * * *").unwrap_err(),
            ScheduleError::FieldCount {
                expression: "7 * * * * *".into(),
                found: 6
            }
        );
        // And `parse_with_seconds` wants exactly 6, names the bad field, takes no aliases.
        for five in ["* * * * *", "@hourly", "0 * * * * * 2027"] {
            assert!(
                matches!(
                    Schedule::parse_with_seconds(five),
                    Err(ScheduleError::FieldCount { .. })
                ),
                "{five}"
            );
        }
        let err = Schedule::parse_with_seconds("60 * * * * *").unwrap_err();
        assert!(
            matches!(&err, ScheduleError::Field { field: "second", value, .. } if value == "60"),
            "{err:?}"
        );
        let err = Schedule::parse_with_seconds("0 * 24 * * *").unwrap_err();
        assert!(
            matches!(&err, ScheduleError::Field { field: "hour", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn netlify_rules_and_messages() {
        for alias in ["@reboot", "@annually"] {
            let err = Schedule::parse(alias).unwrap_err();
            assert!(matches!(err, ScheduleError::Alias { .. }), "{alias}");
            assert!(err.to_string().contains("not supported"), "{err}");
        }
        let err = Schedule::parse("0 */5 * * * *").unwrap_err();
        assert_eq!(
            err,
            ScheduleError::FieldCount {
                expression: "0 */5 * * * *".into(),
                found: 6
            }
        );
        let err = Schedule::parse("61 * * * *").unwrap_err();
        assert!(
            matches!(&err, ScheduleError::Field { field: "minute", value, .. } if value == "61"),
            "{err:?}"
        );
        let err = Schedule::parse("* * * 13 *").unwrap_err();
        assert!(
            matches!(&err, ScheduleError::Field { field: "month", .. }),
            "{err:?}"
        );
        let err = Schedule::parse("* * * * FUNDAY").unwrap_err();
        assert!(
            matches!(
                &err,
                ScheduleError::Field {
                    field: "day-of-week",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
