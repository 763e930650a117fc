// An assistant id where a call id belongs does not compile.
use mirai_voice::ids::{AssistantId, CallId};

async fn abort_the_assistant(client: &mirai_voice::Client, assistant: AssistantId, _call: CallId) {
    let _ = client.calls().abort(assistant).await;
}

fn main() {
    let _ = abort_the_assistant;
}
