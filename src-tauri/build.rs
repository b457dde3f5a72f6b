/// Every command the webview may call, by name. Listing them here makes tauri generate an
/// `allow-<command>` permission for each and, more importantly, switches app commands from
/// "allowed for every window" to "allowed only where a capability grants them".
const COMMANDS: &[&str] = &[
    "app_info",
    "list_servers",
    "check_server",
    "remove_server",
    "revoke_approvals",
    "use_verified_copy",
    "search_catalog",
    "client_app_choices",
    "install_server",
    "list_clients",
    "route_entry",
    "wire_client_app",
    "unwire_client_app",
    "list_project_folders",
    "add_project_folder",
    "remove_project_folder",
    "policy_view",
    "preview_policy",
    "activity",
    "export_activity",
    "status",
    "sync_now",
    "settings",
    "set_setting",
    "sign_in",
    "sign_out",
    "set_start_at_login",
    "pending_enrollment",
    "enroll_offer",
    "enroll_join",
    "confirm_request",
    "confirm_answer",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero with a message on stderr.
        eprintln!("tauri build step failed: {error:#}");
        std::process::exit(1);
    }
}
