//! Helpers shared by the tests of the passes that rewrite generated `send` methods.

use syn::File;

/// A file with one builder whose `send` has `body`.
pub(crate) fn send_fn(body: proc_macro2::TokenStream) -> File {
    syn::parse2(quote::quote! {
        pub mod builder {
            impl<'a> GetThing<'a> {
                pub async fn send(self) -> Result<(), ()> {
                    #body
                }
            }
        }
    })
    .unwrap()
}

/// The unparsed file without whitespace, so layout does not matter.
pub(crate) fn body_of(file: &File) -> String {
    prettyplease::unparse(file).split_whitespace().collect()
}
