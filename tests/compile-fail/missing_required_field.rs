// A request without a required field does not compile: the constructor takes every required field.
use mirai_voice::api::InitiateCall;
use mirai_voice::ids::AssistantId;

fn main() {
    let _ = InitiateCall::new(AssistantId::from("6650f0c2a1b2c3d4e5f60718"));
}
