import type { V1Container } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScript } from "./run-script.js";

/** An engine-neutral container: a data volume, a literal and a Secret-fed env var, a start script. */
function container(script: string): V1Container {
  return {
    name: "db",
    command: ["/bin/sh", "-c", script],
    env: [
      { name: "DATA_DIR", value: "/var/lib/db" },
      { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
    ],
    volumeMounts: [{ name: "data", mountPath: "/var/lib/db" }],
  };
}

describe("start-script harness", () => {
  it("gives the script its volume mounts and absolute binaries under a temp root, and reports container paths", async () => {
    const run = await runScript({
      container: container('set -eu\nmkdir -p "${DATA_DIR}/wal"\necho started > /var/lib/db/wal/0.log\nexec /db-server --data="${DATA_DIR}" --name="${HOSTNAME}"\n'),
      hostname: "db-0", env: { PASSWORD: "x" }, stubs: { "/db-server": [{}] },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.files], [["/var/lib/db/wal/0.log", "started\n"]]);
    assert.deepEqual(run.calls.map((c) => [c.name, c.args]), [["/db-server", ["--data=/var/lib/db", "--name=db-0"]]]);
  });

  it("refuses, before running it, a script that names an absolute path it does not map", async () => {
    await assert.rejects(
      runScript({ container: container("echo x > /etc/db.conf\n"), hostname: "db-0", env: { PASSWORD: "x" }, stubs: {} }),
      /names \/etc\/db\.conf, which the harness does not map/,
    );
  });

  it("takes valueFrom env from the test, all of them and nothing else", async () => {
    const script = container("exit 0\n");
    await assert.rejects(runScript({ container: script, hostname: "db-0", stubs: {} }), /env PASSWORD comes from valueFrom/);
    await assert.rejects(runScript({ container: script, hostname: "db-0", env: { PASSWORD: "x", EXTRA: "y" }, stubs: {} }), /env EXTRA is not a valueFrom variable/);
  });

  it("answers each call with the first matching answer that is not used up, and records argv, env and stdin", async () => {
    const script = 'set -eu\nuntil probe --ready; do sleep 1; done\nprintf "%s" "${PASSWORD}" | login --user=root\n';
    const run = await runScript({
      container: container(script), hostname: "db-0", env: { PASSWORD: "hunter2" },
      stubs: {
        probe: [{ exitCode: 1, times: 2 }, { stdout: "ready\n" }],
        login: [{ when: { args: ["^--user=root$"], env: { PASSWORD: "hunter2" }, stdin: "^hunter2$" }, stdout: "welcome\n" }],
      },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.calls.map((c) => c.name), ["probe", "sleep", "probe", "sleep", "probe", "login"]);
    assert.equal(run.calls.at(-1)!.stdin, "hunter2");
    assert.equal(run.stdout, "ready\nwelcome\n");
  });

  it("fails a call the scenario has no answer for, and finds no command it did not stub or list", async () => {
    const unanswered = await runScript({ container: container("probe --other\n"), hostname: "db-0", env: { PASSWORD: "x" }, stubs: { probe: [{ when: { args: ["--ready"] } }] } });
    assert.equal(unanswered.exitCode, 127);
    assert.match(unanswered.stderr, /no answer for probe --other/);
    const unknown = await runScript({ container: container("curl http://peer:2379/health\n"), hostname: "db-0", env: { PASSWORD: "x" }, stubs: {} });
    assert.equal(unknown.exitCode, 127, "curl is neither stubbed nor a listed tool");
    assert.deepEqual(unknown.calls, []);
  });

  it("lets a stub answer slowly, and the script waits for the answer", async () => {
    const run = await runScript({
      container: container('answer=$(peer --members)\necho "got ${answer}"\n'), hostname: "db-0", env: { PASSWORD: "x" },
      stubs: { peer: [{ delaySeconds: 0.2, stdout: "db-0 db-1" }] },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout, "got db-0 db-1\n");
  });

  it("kills a script that never ends and says so", async () => {
    const run = await runScript({ container: container("while :; do :; done\n"), hostname: "db-0", env: { PASSWORD: "x" }, stubs: {}, guardSeconds: 1 });
    assert.equal(run.timedOut, true);
  });
});
