//! The one return convention: a resource with its typed id taken out of the body.

use std::ops::{Deref, DerefMut};

use mirai_voice_generated::OperationSpec;
use reqwest::StatusCode;

use super::missing_field;

/// A resource the API returned: its id, which the API always sends, and the rest of the body.
///
/// The generated response types mark every field optional because the spec does; an id is what every later
/// call needs, so a body without it is a [`Decode`](crate::Error::Decode) error naming the field rather than an
/// `Option` for every caller to unwrap. The body stays reachable as [`data`](Self::data), and through `Deref`
/// (`resource.name` reads the body's field).
///
/// ```no_run
/// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
/// for tool in client.tools().list().await? {
///     println!("{} {:?}", tool.id, tool.name);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Resource<I, T> {
    /// The resource's id.
    pub id: I,
    /// The body as the API sent it (its own copy of the id included).
    pub data: T,
}

impl<I, T> Resource<I, T> {
    /// A resource from its id and body.
    pub fn new(id: I, data: T) -> Self {
        Self { id, data }
    }

    /// The body, dropping the id.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The id and the body.
    pub fn into_parts(self) -> (I, T) {
        (self.id, self.data)
    }

    /// Takes the id out of `data`; a body without it is a decode error for `operation` naming `field`.
    pub(crate) fn identify(
        operation: &'static OperationSpec,
        status: StatusCode,
        field: &str,
        data: T,
        id: impl FnOnce(&T) -> Option<&I>,
    ) -> crate::Result<Self>
    where
        I: Clone + AsRef<str>,
    {
        match id(&data) {
            Some(found) if !found.as_ref().is_empty() => Ok(Self::new(found.clone(), data)),
            _ => Err(missing_field(operation, status, field)),
        }
    }
}

/// Serializes as the body alone, the form the API sent.
impl<I, T: serde::Serialize> serde::Serialize for Resource<I, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(serializer)
    }
}

impl<I, T> Deref for Resource<I, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<I, T> DerefMut for Resource<I, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

/// What a `get_or_create` call did: created the resource, or found the one the name already belonged to.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GetOrCreate<I, C, E> {
    /// The create request succeeded.
    Created(Resource<I, C>),
    /// The API answered 409 for the name; this is the existing resource of that name.
    Existing(Resource<I, E>),
}

impl<I, C, E> GetOrCreate<I, C, E> {
    /// The resource's id, either way.
    pub fn id(&self) -> &I {
        match self {
            Self::Created(r) => &r.id,
            Self::Existing(r) => &r.id,
        }
    }

    /// Whether the resource was created by this call.
    pub fn was_created(&self) -> bool {
        matches!(self, Self::Created(_))
    }
}

/// Converts a request for `operation_id`, a value the conversion rejects becoming a validation error.
pub(crate) fn convert_request<R, T>(operation_id: &'static str, request: R) -> crate::Result<T>
where
    R: TryInto<T>,
    R::Error: std::fmt::Display,
{
    request.try_into().map_err(|e| {
        crate::error::ValidationError::InvalidRequest {
            operation_id: Some(operation_id),
            message: e.to_string(),
        }
        .into()
    })
}

/// The `get_or_create` flow shared by the areas whose names are unique: `create`, and on a 409 the listed
/// resource named `name`; the 409 itself when none is.
pub(crate) async fn get_or_create<I, C, E, L>(
    name: &str,
    create: impl std::future::Future<Output = crate::Result<Resource<I, C>>>,
    list: impl FnOnce() -> L,
    name_of: impl Fn(&E) -> Option<&str>,
) -> crate::Result<GetOrCreate<I, C, E>>
where
    L: std::future::Future<Output = crate::Result<Vec<Resource<I, E>>>>,
{
    use crate::error::{Error, ErrorKind};
    match create.await {
        Ok(created) => Ok(GetOrCreate::Created(created)),
        Err(Error::Api(conflict)) if conflict.kind() == ErrorKind::Conflict => {
            let existing = list()
                .await?
                .into_iter()
                .find(|r| name_of(&r.data) == Some(name));
            match existing {
                Some(resource) => Ok(GetOrCreate::Existing(resource)),
                None => Err(Error::Api(conflict)),
            }
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ToolId;

    #[derive(Debug)]
    struct Body {
        id: Option<ToolId>,
        name: &'static str,
    }

    #[test]
    fn takes_the_id_out_or_names_the_missing_field() {
        let ok = Resource::identify(
            mirai_voice_generated::operations::LIST_API_TOOLS,
            StatusCode::OK,
            "_id",
            Body {
                id: Some(ToolId::from("t1")),
                name: "crm",
            },
            |b| b.id.as_ref(),
        )
        .unwrap();
        assert_eq!(ok.id, "t1");
        assert_eq!(ok.name, "crm");
        for id in [None, Some(ToolId::from(""))] {
            // `listApiTools` bodies may hold credentials: the field name still shows.
            let error = Resource::identify(
                mirai_voice_generated::operations::LIST_API_TOOLS,
                StatusCode::OK,
                "_id",
                Body { id, name: "x" },
                |b| b.id.as_ref(),
            )
            .unwrap_err();
            assert!(matches!(error, crate::Error::Decode(_)), "{error}");
            assert!(error.to_string().contains("no _id field"), "{error}");
        }
    }
}
