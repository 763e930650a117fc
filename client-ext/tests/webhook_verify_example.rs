//! The `verify_webhook` example, run in-process on captured deliveries.

#[allow(dead_code)]
#[path = "../examples/verify_webhook.rs"]
mod verify_webhook;

use mirai_voice::webhook::testing::{self, EventBuilder};

struct Outcome {
    code: u8,
    out: String,
    err: String,
}

fn run(args: &[&str], secret: Option<&str>) -> Outcome {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["verify_webhook"];
    argv.extend_from_slice(args);
    let code = verify_webhook::run(argv, secret.map(str::to_owned), &mut out, &mut err);
    Outcome {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

const SECRET: &str = "sk_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn capture(body: &[u8]) -> (tempfile::NamedTempFile, String) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), body).unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    (file, path)
}

#[test]
fn valid_signature_prints_the_event_and_exits_0() {
    let delivery = EventBuilder::create_order()
        .call_id("call_cli")
        .signed(testing::TEST_PUBLIC_KEY, &SECRET.into());
    let (_file, path) = capture(&delivery.body);
    let outcome = run(&["--signature", delivery.signature(), &path], Some(SECRET));
    assert_eq!(outcome.code, 0, "{}", outcome.err);
    assert!(
        outcome
            .out
            .starts_with("signature: valid\ntype: action\ncall: call_cli\n"),
        "{}",
        outcome.out
    );
    assert!(outcome.out.contains("CreateOrder"), "{}", outcome.out);
    assert!(!outcome.out.contains(SECRET) && !outcome.err.contains(SECRET));
}

#[test]
fn invalid_signature_exits_1() {
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &SECRET.into());
    let mut tampered = delivery.body.clone();
    tampered.extend_from_slice(b"\n");
    let (_file, path) = capture(&tampered);
    let outcome = run(&["--signature", delivery.signature(), &path], Some(SECRET));
    assert_eq!(outcome.code, 1);
    assert!(outcome.out.contains("INVALID"), "{}", outcome.out);

    let (_file, path) = capture(&delivery.body);
    assert_eq!(
        run(
            &["--signature", delivery.signature(), &path],
            Some("sk_other")
        )
        .code,
        1
    );
    assert_eq!(run(&["--signature", "abc", &path], Some(SECRET)).code, 1);
}

#[test]
fn missing_secret_unreadable_file_and_bad_arguments_exit_2() {
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &SECRET.into());
    let (_file, path) = capture(&delivery.body);
    let outcome = run(&["--signature", delivery.signature(), &path], None);
    assert_eq!(outcome.code, 2);
    assert!(outcome.err.contains("MIRAI_PRIVATE_KEY"), "{}", outcome.err);
    assert_eq!(
        run(
            &[
                "--signature",
                delivery.signature(),
                "/nonexistent/body.json"
            ],
            Some(SECRET)
        )
        .code,
        2
    );
    assert_eq!(run(&[&path], Some(SECRET)).code, 2);
    assert_eq!(run(&["--help"], Some(SECRET)).code, 0);
}

#[test]
fn valid_signature_on_a_body_that_is_not_an_event_exits_3() {
    let body = b"{\"hello\":\"world\"}";
    let (_file, path) = capture(body);
    let signature = testing::sign(&SECRET.into(), body);
    let outcome = run(&["--signature", &signature, &path], Some(SECRET));
    assert_eq!(outcome.code, 3);
    assert!(outcome.out.contains("signature: valid"));
}
