use gatehouse_core::Context;
use gatehouse_core::context::{Environment, Platform};
use gatehouse_core::ports::SystemClock;
use gatehouse_core::settings::ManagedSettings;
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

/// The app's state for a device confined to `dir`.
fn state(dir: &std::path::Path) -> gatehouse_app::state::AppState {
    let env = Environment::confined_to(Platform::Linux, dir);
    let ctx =
        tauri::async_runtime::block_on(Context::open(env, ManagedSettings::default(), SystemClock))
            .unwrap();
    gatehouse_app::state::AppState::new(ctx)
}

fn invoke(dir: &std::path::Path, cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
    let app = gatehouse_app::with_commands(mock_builder())
        .manage(state(dir))
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<serde_json::Value>().unwrap())
}

#[test]
fn app_info_answers_with_version_and_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let info =
        invoke(dir.path(), "app_info").expect("app_info is registered in the app's handler list");
    assert_eq!(
        info["version"],
        env!("CARGO_PKG_VERSION"),
        "the UI shows the built version"
    );
    let expected = Environment::confined_to(Platform::Linux, dir.path())
        .data_dir()
        .unwrap();
    assert_eq!(
        info["data_dir"].as_str(),
        Some(expected.to_string_lossy().as_ref()),
        "the command reports the same data dir the CLI resolves"
    );
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        2,
        "the answer carries exactly the fields of the AppInfo binding: {keys:?}"
    );
}

#[test]
fn an_unregistered_command_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        invoke(dir.path(), "no_such_command").is_err(),
        "only registered commands answer"
    );
}
