//! `mirai`: the command-line tool for the Mirai Minds Voice Agent API. Everything lives in the library
//! ([`mirai_voice_cli::run`]); this file only hands it the process arguments.

fn main() -> std::process::ExitCode {
    mirai_voice_cli::run(std::env::args_os())
}
