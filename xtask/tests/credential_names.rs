//! The codegen's `secret-fields` rule and the SDK's body redaction decide what a credential is from the same
//! names: a field hidden from the generated types' `Debug` is also masked in logged bodies, and the reverse.

#[test]
fn codegen_and_sdk_agree_on_credential_names() {
    assert_eq!(
        xtask::secret_fields::CREDENTIAL_NAMES,
        mirai_voice::redact::CREDENTIAL_KEYS
    );
    assert_eq!(
        xtask::secret_fields::CREDENTIAL_SUFFIXES,
        mirai_voice::redact::CREDENTIAL_SUFFIXES
    );
}
