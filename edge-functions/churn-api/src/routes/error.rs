//! Errors as the API answers them: a status, a stable code, a message and the field at fault.

use super::*;

/// An HTTP error with a stable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub field: String,
    /// Every failing record of a batch, when there are several.
    pub errors: Vec<ErrorOut>,
}

/// A bad value in a request: 400, with the value's code and field.
impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        ApiError {
            status: 400,
            code: e.code(),
            message: e.to_string(),
            field: e.field.clone(),
            errors: Vec::new(),
        }
    }
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: String::new(), errors: Vec::new() }
    }

    /// A batch with failing records: the first names the error, all are listed.
    pub(super) fn records(errors: Vec<ErrorOut>) -> Self {
        let first = &errors[0];
        ApiError {
            status: 400,
            code: first.code,
            message: first.message.clone(),
            field: first.field.clone(),
            errors: errors.into_iter().take(MAX_ERRORS).collect(),
        }
    }

    /// The reply for this error.
    pub fn reply(&self) -> Reply {
        let mut out = String::new();
        let error = Raw(|out: &mut String| {
            Object::new(out)
                .field("status", &(self.status as u32))
                .field("code", &self.code)
                .field("message", &self.message)
                .field("field", &self.field)
                .end()
        });
        let mut obj = Object::new(&mut out).field("error", &error);
        if !self.errors.is_empty() {
            obj = obj.field("errors", &self.errors);
        }
        obj.end();
        Reply { status: self.status, headers: json_headers(), body: out }
    }
}
