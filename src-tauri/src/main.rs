// The release build is a GUI program on Windows: no console window behind it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    gatehouse_app::run()
}
