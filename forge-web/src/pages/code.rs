//! The code browser: repository home, tree, files, raw files, history,
//! commits, branches, tags and archives.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
