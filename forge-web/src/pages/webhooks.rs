//! The webhooks of a repository (`/{owner}/{repo}/settings/hooks`) and of
//! an organisation (`/org/{org}/settings/hooks`): the list with a form for
//! a new one, and each hook's page with its settings, its last deliveries
//! (request and answer), "Test delivery", "Redeliver" and deletion. Only
//! the repository's administrators and the organisation's owners see
//! them; the secret is never shown back.

use super::{load_repo, see_other};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::format::long_date;
use crate::views::{FormErrors, render, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::user::User;
use forge_core::webhook::delivery::{self, Delivery, State as DeliveryState};
use forge_core::webhook::{self, Hook, HookEvent, HookSettings, Scope};
use forge_core::{DeliveryId, WebhookId, org};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/{owner}/{repo}/settings/hooks",
            get(repo_list).post(repo_create),
        )
        .route(
            "/{owner}/{repo}/settings/hooks/{id}",
            get(repo_show).post(repo_save),
        )
        .route(
            "/{owner}/{repo}/settings/hooks/{id}/{action}",
            post(repo_act),
        )
        .route(
            "/{owner}/{repo}/settings/hooks/{id}/deliveries/{delivery}/redeliver",
            post(repo_redeliver),
        )
        .route("/org/{org}/settings/hooks", get(org_list).post(org_create))
        .route(
            "/org/{org}/settings/hooks/{id}",
            get(org_show).post(org_save),
        )
        .route("/org/{org}/settings/hooks/{id}/{action}", post(org_act))
        .route(
            "/org/{org}/settings/hooks/{id}/deliveries/{delivery}/redeliver",
            post(org_redeliver),
        )
}

/// Whose hooks a page shows, once the visitor may manage them.
struct Owner {
    scope: Scope,
    /// `alice/app` or `coop`.
    name: String,
    /// Where its hooks live: `/alice/app/settings/hooks`.
    base: String,
    /// Its settings or profile page.
    back: String,
}

async fn repo_owner(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    owner: &str,
    name: &str,
) -> Result<Owner, PageError> {
    let (repo, _) = load_repo(state, ctx, owner, name).await?;
    let scope = webhook::repo_scope(&state.db, user, &repo).await?;
    let full = repo.full_name();
    Ok(Owner {
        scope,
        base: format!(
            "/{}/{}/settings/hooks",
            url_encode(&repo.owner_name),
            url_encode(&repo.name)
        ),
        back: format!(
            "/{}/{}/settings",
            url_encode(&repo.owner_name),
            url_encode(&repo.name)
        ),
        name: full,
    })
}

async fn org_owner(state: &AppState, user: &User, name: &str) -> Result<Owner, PageError> {
    let found = org::by_name(&state.db, name)
        .await?
        .ok_or_else(PageError::not_found)?;
    let scope = webhook::org_scope(&state.db, user, &found).await?;
    Ok(Owner {
        scope,
        base: format!("/org/{}/settings/hooks", url_encode(&found.name)),
        back: format!("/{}", url_encode(&found.name)),
        name: found.name,
    })
}

/// One checkbox of the events fieldset.
struct EventBox {
    value: &'static str,
    label: String,
    checked: bool,
}

/// The values of the hook form, as shown.
struct FormView {
    url: String,
    json: bool,
    has_secret: bool,
    branch_filter: String,
    /// The stored `Authorization` header, masked; empty for none.
    authorization: String,
    events: Vec<EventBox>,
    active: bool,
}

impl FormView {
    fn new(ctx: &PageCtx, hook: Option<&Hook>) -> FormView {
        let wanted = |e: HookEvent| match hook {
            Some(hook) => hook.wants(e),
            None => matches!(e, HookEvent::Push),
        };
        FormView {
            url: hook.map(|h| h.url.clone()).unwrap_or_default(),
            json: hook.is_none_or(|h| h.content_type == webhook::ContentType::Json),
            has_secret: hook.is_some_and(|h| h.has_secret),
            branch_filter: hook.map_or_else(
                || webhook::branch_filter::ALL.to_string(),
                |h| h.branch_filter.clone(),
            ),
            authorization: hook
                .map(|h| h.authorization_masked.clone())
                .unwrap_or_default(),
            events: HookEvent::ALL
                .into_iter()
                .map(|e| EventBox {
                    value: e.as_str(),
                    label: ctx.t(&format!("webhook-event-{}", e.as_str().replace('_', "-"))),
                    checked: wanted(e),
                })
                .collect(),
            active: hook.is_none_or(|h| h.active),
        }
    }

    /// The form as the visitor sent it, shown again with its errors.
    fn sent(ctx: &PageCtx, form: &HookForm, hook: Option<&Hook>) -> FormView {
        let mut view = FormView::new(ctx, None);
        view.url = form.url.clone();
        view.json = form.content_type != "form";
        view.has_secret = hook.is_some_and(|h| h.has_secret);
        view.authorization = hook
            .map(|h| h.authorization_masked.clone())
            .unwrap_or_default();
        view.branch_filter = form.branch_filter.clone();
        view.active = form.active;
        for event in &mut view.events {
            event.checked = form.events.iter().any(|e| e == event.value);
        }
        view
    }
}

/// A hook in the list.
struct HookRow {
    id: i64,
    url: String,
    events: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListView<'a> {
    ctx: &'a PageCtx,
    owner: Owner,
    hooks: Vec<HookRow>,
    form: FormView,
    errors: FormErrors,
}

/// A delivery in a hook's history.
struct DeliveryRow {
    id: i64,
    guid: String,
    event: String,
    state: String,
    ok: bool,
    when: String,
    outcome: String,
    duration: String,
    attempts: i64,
    request_headers: String,
    request_body: String,
    response_headers: String,
    response_body: String,
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct HookView<'a> {
    ctx: &'a PageCtx,
    owner: Owner,
    id: i64,
    form: FormView,
    errors: FormErrors,
    deliveries: Vec<DeliveryRow>,
    notice: Option<String>,
}

fn headers_text(headers: Option<&Vec<(String, String)>>) -> String {
    headers
        .map(|h| {
            h.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn delivery_row(ctx: &PageCtx, d: &Delivery) -> DeliveryRow {
    let state = match d.state {
        DeliveryState::Pending => ctx.t("webhook-state-pending"),
        DeliveryState::Delivered => ctx.t("webhook-state-delivered"),
        DeliveryState::Failed => ctx.t("webhook-state-failed"),
    };
    let outcome = match (&d.response_status, &d.error) {
        (Some(status), _) => status.to_string(),
        (None, Some(error)) => error.clone(),
        (None, None) => String::new(),
    };
    let event = if d.action.is_empty() {
        d.event.clone()
    } else {
        format!("{} ({})", d.event, d.action)
    };
    DeliveryRow {
        id: d.id.0,
        guid: d.guid.clone(),
        event,
        state,
        ok: d.succeeded(),
        when: long_date(ctx.lang, d.delivered_at.unwrap_or(d.created_at)),
        outcome,
        duration: d
            .duration_ms
            .map(|ms| ctx.t1("webhook-duration", "ms", &ms.to_string()))
            .unwrap_or_default(),
        attempts: d.attempts,
        request_headers: headers_text(d.request_headers.as_ref()),
        request_body: d.request_body.clone().unwrap_or_default(),
        response_headers: headers_text(d.response_headers.as_ref()),
        response_body: d.response_body.clone().unwrap_or_default(),
    }
}

/// The form of a hook, as posted: `events` repeats, so it is read by hand.
#[derive(Default)]
struct HookForm {
    url: String,
    secret: String,
    /// Ticked on the edit page to remove the stored secret.
    clear_secret: bool,
    content_type: String,
    events: Vec<String>,
    active: bool,
    branch_filter: String,
    authorization_header: String,
    /// Ticked on the edit page to remove the stored header.
    clear_authorization: bool,
}

impl HookForm {
    fn parse(raw: &[u8]) -> HookForm {
        let mut form = HookForm::default();
        for (key, value) in form_urlencoded(raw) {
            match key.as_str() {
                "url" => form.url = value,
                "secret" => form.secret = value,
                "clear_secret" => form.clear_secret = true,
                "content_type" => form.content_type = value,
                "events" => form.events.push(value),
                "active" => form.active = true,
                "branch_filter" => form.branch_filter = value,
                "authorization_header" => form.authorization_header = value,
                "clear_authorization" => form.clear_authorization = true,
                _ => {}
            }
        }
        form
    }

    fn settings(&self, editing: bool) -> HookSettings {
        let secret = match (editing, self.clear_secret, self.secret.is_empty()) {
            (true, true, _) => Some(String::new()),
            (true, false, true) => None,
            _ => Some(self.secret.clone()),
        };
        let authorization = match (
            editing,
            self.clear_authorization,
            self.authorization_header.trim().is_empty(),
        ) {
            (true, true, _) => Some(String::new()),
            (true, false, true) => None,
            _ => Some(self.authorization_header.clone()),
        };
        HookSettings {
            url: self.url.clone(),
            secret,
            content_type: self.content_type.clone(),
            events: self.events.clone(),
            active: self.active,
            branch_filter: Some(self.branch_filter.clone()),
            authorization_header: authorization,
        }
    }
}

fn form_urlencoded(raw: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw).unwrap_or_default()
}

/// Checks the CSRF token of a form read by hand.
fn check_csrf(ctx: &PageCtx, raw: &[u8]) -> Result<(), PageError> {
    let sent = form_urlencoded(raw)
        .into_iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v)
        .unwrap_or_default();
    if !sent.is_empty() && forge_core::secret::constant_time_eq(&sent, &ctx.csrf) {
        Ok(())
    } else {
        Err(PageError::csrf())
    }
}

async fn list_page(state: &AppState, ctx: &PageCtx, owner: Owner) -> Result<Response, PageError> {
    let hooks = webhook::list(&state.db, owner.scope).await?;
    let hooks = hooks
        .iter()
        .map(|h| HookRow {
            id: h.id.0,
            url: h.url.clone(),
            events: h
                .events
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            active: h.active,
        })
        .collect();
    Ok(render(&ListView {
        ctx,
        owner,
        hooks,
        form: FormView::new(ctx, None),
        errors: FormErrors::default(),
    }))
}

async fn create(
    state: &AppState,
    ctx: &PageCtx,
    owner: Owner,
    raw: &[u8],
) -> Result<Response, PageError> {
    check_csrf(ctx, raw)?;
    let form = HookForm::parse(raw);
    match webhook::create(&state.db, owner.scope, form.settings(false)).await {
        Ok(hook) => Ok(see_other(&format!("{}/{}?saved=1", owner.base, hook.id))),
        Err(e) => {
            let errors = FormErrors::from_error(ctx, e)?;
            let hooks = Vec::new();
            let view = ListView {
                ctx,
                form: FormView::sent(ctx, &form, None),
                owner,
                hooks,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)).into_response())
        }
    }
}

#[derive(Deserialize)]
struct Notice {
    saved: Option<String>,
    queued: Option<String>,
}

async fn hook_page(
    state: &AppState,
    ctx: &PageCtx,
    owner: Owner,
    id: i64,
    notice: Notice,
) -> Result<Response, PageError> {
    let hook = webhook::get(&state.db, owner.scope, WebhookId(id)).await?;
    let deliveries = delivery::history(&state.db, hook.id, delivery::KEEP).await?;
    let notice = if notice.saved.is_some() {
        Some(ctx.t("webhook-saved"))
    } else if notice.queued.is_some() {
        Some(ctx.t("webhook-queued"))
    } else {
        None
    };
    Ok(render(&HookView {
        ctx,
        id,
        form: FormView::new(ctx, Some(&hook)),
        errors: FormErrors::default(),
        deliveries: deliveries.iter().map(|d| delivery_row(ctx, d)).collect(),
        owner,
        notice,
    }))
}

async fn save(
    state: &AppState,
    ctx: &PageCtx,
    owner: Owner,
    id: i64,
    raw: &[u8],
) -> Result<Response, PageError> {
    check_csrf(ctx, raw)?;
    let hook = webhook::get(&state.db, owner.scope, WebhookId(id)).await?;
    let form = HookForm::parse(raw);
    match webhook::update(&state.db, owner.scope, hook.id, form.settings(true)).await {
        Ok(_) => Ok(see_other(&format!("{}/{id}?saved=1", owner.base))),
        Err(e) => {
            let errors = FormErrors::from_error(ctx, e)?;
            let deliveries = delivery::history(&state.db, hook.id, delivery::KEEP).await?;
            let view = HookView {
                ctx,
                id,
                form: FormView::sent(ctx, &form, Some(&hook)),
                errors,
                deliveries: deliveries.iter().map(|d| delivery_row(ctx, d)).collect(),
                owner,
                notice: None,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)).into_response())
        }
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

/// `test` queues a test delivery; `delete` removes the hook.
async fn act(state: &AppState, owner: Owner, id: i64, action: &str) -> Result<Response, PageError> {
    let hook = webhook::get(&state.db, owner.scope, WebhookId(id)).await?;
    match action {
        "test" => {
            delivery::queue_test(&state.db, hook.id).await?;
            Ok(see_other(&format!("{}/{id}?queued=1", owner.base)))
        }
        "delete" => {
            webhook::delete(&state.db, owner.scope, hook.id).await?;
            Ok(see_other(&owner.base))
        }
        _ => Err(PageError::not_found()),
    }
}

async fn redeliver(
    state: &AppState,
    owner: Owner,
    id: i64,
    delivery_id: i64,
) -> Result<Response, PageError> {
    let hook = webhook::get(&state.db, owner.scope, WebhookId(id)).await?;
    delivery::redeliver(&state.db, hook.id, DeliveryId(delivery_id)).await?;
    Ok(see_other(&format!("{}/{id}?queued=1", owner.base)))
}

/// The signed-in visitor, or else the handler answers with the redirect
/// to the sign-in page.
macro_rules! signed_in {
    ($ctx:expr) => {
        match $ctx.require_user() {
            Ok(user) => user.clone(),
            Err(redirect) => return Ok(redirect.into_response()),
        }
    };
}

async fn repo_list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = repo_owner(&state, &ctx, &user, &owner, &name).await?;
    list_page(&state, &ctx, owner).await
}

async fn repo_create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    RawForm(raw): RawForm,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = repo_owner(&state, &ctx, &user, &owner, &name).await?;
    create(&state, &ctx, owner, &raw).await
}

async fn repo_show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, id)): Path<(String, String, i64)>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = repo_owner(&state, &ctx, &user, &owner, &name).await?;
    hook_page(&state, &ctx, owner, id, notice).await
}

async fn repo_save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, id)): Path<(String, String, i64)>,
    RawForm(raw): RawForm,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = repo_owner(&state, &ctx, &user, &owner, &name).await?;
    save(&state, &ctx, owner, id, &raw).await
}

async fn repo_act(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, id, action)): Path<(String, String, i64, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = repo_owner(&state, &ctx, &user, &owner, &name).await?;
    act(&state, owner, id, &action).await
}

async fn repo_redeliver(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, id, delivery)): Path<(String, String, i64, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = repo_owner(&state, &ctx, &user, &owner, &name).await?;
    redeliver(&state, owner, id, delivery).await
}

async fn org_list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = org_owner(&state, &user, &name).await?;
    list_page(&state, &ctx, owner).await
}

async fn org_create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    RawForm(raw): RawForm,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = org_owner(&state, &user, &name).await?;
    create(&state, &ctx, owner, &raw).await
}

async fn org_show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((name, id)): Path<(String, i64)>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = org_owner(&state, &user, &name).await?;
    hook_page(&state, &ctx, owner, id, notice).await
}

async fn org_save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((name, id)): Path<(String, i64)>,
    RawForm(raw): RawForm,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = org_owner(&state, &user, &name).await?;
    save(&state, &ctx, owner, id, &raw).await
}

async fn org_act(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((name, id, action)): Path<(String, i64, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = org_owner(&state, &user, &name).await?;
    act(&state, owner, id, &action).await
}

async fn org_redeliver(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((name, id, delivery)): Path<(String, i64, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let owner = org_owner(&state, &user, &name).await?;
    redeliver(&state, owner, id, delivery).await
}
