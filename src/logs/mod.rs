//! Production logs: sources (files followed like `tail -F`, commands,
//! step output, a sample stream), level and timestamp detection, and the
//! model the logs pane draws from: a bounded ring buffer with counts of
//! everything seen, a filtered and searchable view, and the error rate
//! against the ten minutes before a release step.
//!
//! The pieces, each with one job:
//! - [`level`], [`time`]: what a line's severity and timestamp are (pure).
//! - [`line`]: a stored line, built from raw bytes safely and compactly.
//! - [`buffer`], [`rate`]: the ring and the counts, the error rate.
//! - [`pattern`], [`view`]: filters, search, scroll position.
//! - [`feed`], [`source`]: threads sending batches over a bounded channel;
//!   [`batch`] is what each source's thread shares, `follow` and
//!   `command_source` the file and command sources.
//! - [`model`]: all of the above as the pane uses it.
//! - [`grep`]: whole-file scanning for `greenlight logs` (CLI).
//! - [`sample`]: a realistic, deterministic log stream for the demo.

pub mod batch;
pub mod buffer;
mod command_source;
pub mod config;
pub mod feed;
pub mod follow;
pub mod grep;
pub mod level;
pub mod line;
pub mod model;
pub mod parts;
pub mod pattern;
pub mod rate;
pub mod sample;
pub mod source;
pub mod time;
pub mod view;

pub use buffer::LogBuffer;
pub use feed::{FeedReceiver, FeedSender, LogMsg, SourceStatus};
pub use level::Level;
pub use line::{LogLine, SourceId};
pub use model::{Counts, Drained, LogsModel, SourceInfo};
pub use rate::ErrorRate;
pub use source::{SourceHandle, SourceSpec};
pub use view::{LogView, Row, ViewStatus};
