//! What people read: the HTML report and its charts, and each command's summary.

pub mod page;
pub mod summary;
pub mod svg;
