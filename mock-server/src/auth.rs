//! Authentication like the service's: the key pair identifies an organization, the
//! `workspace` or `organization` header selects what inside it a request touches.
//!
//! * missing or unknown keys: `401`;
//! * a role that may not archive: `403`;
//! * a missing `workspace`/`organization` header: `400`; an unknown id: `404`; an id of
//!   another organization: `403`. Where the operation declares no `400` (or `404`), the
//!   missing (or unknown) header is `403` instead, so that every status stays one the spec
//!   allows (see [`crate::conformance`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::error::ApiError;
use crate::faults::OperationId;
use crate::spec;
use crate::state::org::Role;

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `error` if the request's operation declares its status, else the same message as a `403`:
/// a scope header that selects nothing usable denies access.
fn scope_error(parts: &Parts, error: ApiError) -> ApiError {
    let declared = parts
        .extensions
        .get::<OperationId>()
        .is_some_and(|OperationId(id)| {
            spec::declared_statuses(id).contains(&error.status.as_u16())
        });
    if declared {
        error
    } else {
        ApiError::forbidden(error.message)
    }
}

/// A request authenticated by `x-public-key` and `x-private-key`.
#[derive(Debug, Clone)]
pub(crate) struct KeyAuth {
    pub(crate) organization: String,
    pub(crate) role: Role,
}

impl FromRequestParts<AppState> for KeyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (Some(public_key), Some(private_key)) = (
            header(parts, "x-public-key"),
            header(parts, "x-private-key"),
        ) else {
            return Err(ApiError::unauthorized(
                "Missing API keys: send x-public-key and x-private-key",
            ));
        };
        state
            .with_world(|w| {
                w.org_by_public_key(public_key)
                    .filter(|org| org.private_key_matches(private_key))
                    .map(|org| Self {
                        organization: org.id.clone(),
                        role: org.role,
                    })
            })
            .ok_or_else(|| ApiError::unauthorized("Invalid API keys"))
    }
}

/// A key-authenticated request whose role may archive and unarchive.
#[derive(Debug, Clone)]
pub(crate) struct AdminAuth(pub(crate) KeyAuth);

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = KeyAuth::from_request_parts(parts, state).await?;
        if auth.role.can_archive() {
            Ok(Self(auth))
        } else {
            Err(ApiError::forbidden(
                "Forbidden: requires the admin or organization_admin role",
            ))
        }
    }
}

/// A key-authenticated request scoped to one workspace of the caller's organization.
#[derive(Debug, Clone)]
pub(crate) struct WorkspaceAuth {
    pub(crate) workspace: String,
}

impl FromRequestParts<AppState> for WorkspaceAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = KeyAuth::from_request_parts(parts, state).await?;
        let workspace = header(parts, "workspace")
            .ok_or_else(|| {
                scope_error(
                    parts,
                    ApiError::bad_request("The workspace header is required"),
                )
            })?
            .to_owned();
        state
            .with_world(|w| match w.workspaces.get(&workspace) {
                None => Err(ApiError::not_found("Workspace not found")),
                Some(ws) if ws.organization != auth.organization => Err(ApiError::forbidden(
                    "The workspace does not belong to this organization",
                )),
                Some(_) => Ok(()),
            })
            .map_err(|e| scope_error(parts, e))?;
        Ok(Self { workspace })
    }
}

/// A key-authenticated request naming the caller's organization in the `organization` header.
#[derive(Debug, Clone)]
pub(crate) struct OrganizationAuth {
    pub(crate) organization: String,
}

impl FromRequestParts<AppState> for OrganizationAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = KeyAuth::from_request_parts(parts, state).await?;
        let organization = header(parts, "organization")
            .ok_or_else(|| {
                scope_error(
                    parts,
                    ApiError::bad_request("The organization header is required"),
                )
            })?
            .to_owned();
        if !state.with_world(|w| w.orgs.contains_key(&organization)) {
            return Err(scope_error(
                parts,
                ApiError::not_found("Organization not found"),
            ));
        }
        if organization != auth.organization {
            return Err(ApiError::forbidden(
                "The organization header does not match the API keys",
            ));
        }
        Ok(Self { organization })
    }
}

/// The voice gallery accepts either key (its spec lists them as alternatives): every key sent
/// must be valid, and at least one must be sent.
#[derive(Debug, Clone)]
pub(crate) struct EitherKeyAuth;

impl FromRequestParts<AppState> for EitherKeyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let public_key = header(parts, "x-public-key");
        let private_key = header(parts, "x-private-key");
        if public_key.is_none() && private_key.is_none() {
            return Err(ApiError::unauthorized(
                "Missing API keys: send x-public-key or x-private-key",
            ));
        }
        let valid = state.with_world(|w| {
            let public_ok = public_key.is_none_or(|k| w.org_by_public_key(k).is_some());
            let private_ok =
                private_key.is_none_or(|k| w.orgs.values().any(|o| o.private_key_matches(k)));
            public_ok && private_ok
        });
        if valid {
            Ok(Self)
        } else {
            Err(ApiError::unauthorized("Invalid API keys"))
        }
    }
}
