//! What people read: the HTML report of a model and its charts, the page of a retraining
//! decision, and each command's summary.

pub mod decision;
pub mod page;
pub mod summary;
pub mod svg;
