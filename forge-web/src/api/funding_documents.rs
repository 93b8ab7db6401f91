//! What the funding API adds about payees and documents: the payee's
//! details for those who may see them, and the calls for funds and
//! receipts the caller may read, each with its transfer reference.

use crate::AppState;
use crate::error::ApiError;
use forge_core::funding::document::{self, DocumentKind};
use forge_core::funding::{self, payee};
use forge_core::issue::Issue;
use forge_core::org;
use forge_core::repo::Repo;
use forge_core::user::User;
use serde_json::{Value, json};

/// Adds `payee` and `documents` to a goal's JSON, as far as `viewer` may
/// see them: both stay out for everyone else.
pub async fn augment(
    state: &AppState,
    viewer: Option<&User>,
    repo: &Repo,
    issue: &Issue,
    value: &mut Value,
) -> Result<(), ApiError> {
    let Some(user) = viewer else {
        return Ok(());
    };
    let db = &state.db;
    let Some(goal) = funding::goal_of_issue(db, issue.id).await? else {
        return Ok(());
    };
    let Some(map) = value.as_object_mut() else {
        return Ok(());
    };
    if payee::may_see(db, Some(user), repo.owner_id).await? {
        let details = payee::get(db, repo.owner_id).await?.map(|p| {
            json!({
                "legal_name": p.legal_name,
                "address": p.address,
                "iban": p.iban,
                "bic": p.bic,
                "note": p.note,
            })
        });
        map.insert("payee".into(), details.unwrap_or(Value::Null));
    }
    let manages = payee::manages(db, user, repo.owner_id).await?;
    let mut mine = Vec::new();
    for (o, role) in org::of_user(db, user.id).await? {
        if role.handles_money() {
            mine.push(o.id);
        }
    }
    let pledges = funding::pledges_of(db, goal.id).await?;
    let html = format!("/{}/issues/{}/funding", repo.full_name(), issue.number);
    let mut documents = Vec::new();
    for doc in document::of_goal(db, goal.id).await? {
        let Some(pledge) = pledges.iter().find(|p| p.id == doc.pledge_id) else {
            continue;
        };
        if !manages && !mine.contains(&pledge.org_id) {
            continue;
        }
        let href = match (doc.kind, doc.payment_id) {
            (DocumentKind::Receipt, Some(payment)) => {
                format!("{html}/payments/{payment}/receipt")
            }
            _ => format!("{html}/pledges/{}/call", doc.pledge_id),
        };
        documents.push(json!({
            "kind": doc.kind.as_str(),
            "number": doc.number,
            "reference": doc.reference,
            "org": pledge.org_name,
            "pledge_id": doc.pledge_id,
            "payment_id": doc.payment_id,
            "created_at": forge_core::clock::rfc3339(doc.created_at),
            "html_url": href,
            "pdf_url": format!("{href}.pdf"),
        }));
    }
    if manages || !documents.is_empty() {
        map.insert("documents".into(), Value::Array(documents));
    }
    Ok(())
}
