// `InitiateCall::new(phone, assistant)` with the arguments swapped does not compile.
use mirai_voice::PhoneNumber;
use mirai_voice::api::InitiateCall;
use mirai_voice::ids::AssistantId;

fn main() {
    let to: PhoneNumber = "+15550100".parse().unwrap();
    let assistant = AssistantId::from("6650f0c2a1b2c3d4e5f60718");
    let _ = InitiateCall::new(assistant, to);
}
