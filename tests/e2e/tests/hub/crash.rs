//! `kill -9` of a sync while it stores a new snapshot: the store holds the old or the new
//! snapshot, never a mix, and the launcher keeps deciding from a valid one.

use std::process::Stdio;
use std::time::Duration;

use crate::{RefHub, TOKEN, check, status, sync};

/// The serial of the newest snapshot row and the serial the newest `policy_synced` event
/// names, read in the database itself. They are written in one transaction, so they always
/// agree. (Rows are counted no more: older snapshots are pruned, their events stay.)
fn rows_and_events(sandbox: &gatehouse_e2e::Sandbox) -> (u64, u64) {
    let script = "import sqlite3, sys, json\n\
        c = sqlite3.connect(sys.argv[1])\n\
        s = c.execute('SELECT serial FROM snapshots ORDER BY id DESC LIMIT 1').fetchone()[0]\n\
        d = c.execute(\"SELECT detail FROM audit_events WHERE kind = 'policy_synced' ORDER BY seq DESC LIMIT 1\").fetchone()[0]\n\
        print(s, json.loads(d)['serial'])\n";
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(sandbox.data_dir().join("gatehouse.db"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut numbers = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

#[test]
fn killing_a_sync_mid_store_leaves_the_old_or_the_new_snapshot() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    assert_eq!(sync(&sandbox).0, 0);
    let decided = check(&sandbox);
    // A large deny list makes the bundle (and its store) big enough for kills to land inside.
    let deny: Vec<String> = (0..10_000).map(|i| format!("'@spam/server-{i}'")).collect();
    let org_policy = hub.org_dir().join("policy/org.yaml");
    let original = std::fs::read_to_string(&org_policy).unwrap();
    let write_round = |round: u64| {
        let text = format!(
            "{original}\ndeny_list: [{}, '@round/{round}']\n",
            deny.join(", ")
        );
        std::fs::write(&org_policy, text).unwrap();
    };
    // How long a whole sync of such a bundle takes here, so the kills spread over all of it.
    write_round(0);
    let started = std::time::Instant::now();
    assert_eq!(sync(&sandbox).0, 0);
    let whole = u64::try_from(started.elapsed().as_millis()).unwrap();
    let (mut completed, mut interrupted) = (0, 0);
    for round in 1..=16u64 {
        write_round(round);
        let before = rows_and_events(&sandbox).0;
        let mut child = sandbox
            .gatehouse(&["sync"])
            .env("GATEHOUSE_HUB_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(whole * round / 14));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let (rows, events) = rows_and_events(&sandbox);
        if rows > before {
            completed += 1
        } else {
            interrupted += 1
        }
        assert_eq!(
            rows, events,
            "round {round}: a snapshot and its policy_synced event land together or not at all"
        );
        assert_eq!(
            check(&sandbox),
            decided,
            "round {round}: the launcher still decides from a valid snapshot"
        );
        assert!(
            status(&sandbox)["serial"].as_u64().is_some(),
            "round {round}: a serial is always in force"
        );
    }
    eprintln!(
        "a sync takes {whole} ms here; {completed} killed syncs had stored, {interrupted} had not"
    );
    assert!(
        interrupted > 0,
        "some kills must land before the store completes, or the test tests nothing"
    );
    assert_eq!(sync(&sandbox).0, 0, "a sync after the kills completes");
}
