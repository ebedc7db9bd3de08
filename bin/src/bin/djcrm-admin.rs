//! `djcrm-admin`: maintenance for operators (see [`djcrm_bin::admin`]).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    djcrm_bin::admin::main().await
}
