// serial + max_fail_percentage on `connection: local` hosts, with ansible-playbook as the oracle on
// the same hosts: armgo counts failed and unreachable hosts over the whole play so far, Ansible
// counts the failed hosts of the last batch alone (docs/rollouts.md). A closed port makes a host
// unreachable for both.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ansiblePlaybook } from "./ansible-oracle.js";
import { setup } from "./engine-local.js";

interface Case {
  serial: Array<number | string>;
  max?: number;
  hosts: number;
  /** Hosts whose task fails. */
  bad: string[];
  /** Hosts nothing listens for. */
  down?: string[];
  /** Hosts the task ran on. */
  armgo: string[];
  ansible: string[];
}

const h = (...n: number[]) => n.map((i) => `h${i}`);

const cases: Record<string, Case> = {
  "the canary fails: no later batch starts": {
    serial: [1, "50%", "100%"],
    max: 25,
    hosts: 4,
    bad: h(1),
    armgo: h(1),
    ansible: h(1),
  },
  "a whole batch fails, no max_fail_percentage: the rollout stops": {
    serial: [1, 2],
    hosts: 5,
    bad: h(2, 3),
    armgo: h(1, 2, 3),
    ansible: h(1, 2, 3),
  },
  "within the limit everywhere: every batch runs": {
    serial: [1, 2],
    max: 50,
    hosts: 5,
    bad: h(3),
    armgo: h(1, 2, 3, 4, 5),
    ansible: h(1, 2, 3, 4, 5),
  },
  // 1 of a batch of 2 is 50% for Ansible; 1 of the 3 hosts run so far is 33% for armgo
  "one failure in a small batch: Ansible stops, the play so far is within the limit": {
    serial: [1, 2],
    max: 40,
    hosts: 5,
    bad: h(2),
    armgo: h(1, 2, 3, 4, 5),
    ansible: h(1, 2, 3),
  },
  // 1/3, 2/5 are within 40%; 3/7 is over it, so h8 never starts
  "failures add up over the batches until the play is over the limit": {
    serial: [1, 2],
    max: 40,
    hosts: 8,
    bad: h(2, 4, 6),
    armgo: h(1, 2, 3, 4, 5, 6, 7),
    ansible: h(1, 2, 3),
  },
  // Ansible's max_fail_percentage counts failed hosts only: an unreachable one is 0% of its batch
  "an unreachable host counts: armgo stops where Ansible goes on": {
    serial: [1, 2],
    max: 30,
    hosts: 4,
    bad: [],
    down: h(2),
    armgo: h(1, 3),
    ansible: h(1, 3, 4),
  },
};

const play = (c: Case) => `
- hosts: g
  gather_facts: false
  serial: ${JSON.stringify(c.serial)}
${c.max === undefined ? "" : `  max_fail_percentage: ${c.max}\n`}  tasks:
    - command: "sh -c 'touch DIR/ran-{{ inventory_hostname }}; test {{ bad }} = 0'"
`;

function names(c: Case): string[] {
  return Array.from({ length: c.hosts }, (_, i) => `h${i + 1}`);
}

/** A host's vars: whether its task fails, and for a down host a port nothing listens on. */
function vars(c: Case, host: string, ansible: boolean): Record<string, unknown> {
  const down = c.down?.includes(host)
    ? ansible
      ? { ansible_connection: "ssh", ansible_host: "127.0.0.1", ansible_port: 1 }
      : { connection: "ssh", host: "127.0.0.1", port: 1 }
    : {};
  return { bad: c.bad.includes(host) ? 1 : 0, ...down };
}

function ran(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith("ran-"))
    .map((f) => f.slice(4))
    .sort();
}

async function armgo(c: Case): Promise<{ ran: string[]; recapHosts: string[] }> {
  const hosts = names(c);
  const { dir, run } = setup(play(c), hosts, Object.fromEntries(hosts.map((x) => [x, vars(c, x, false)])));
  const r = await run();
  // every targeted host is in armgo's recap (issue 20 #10); those a batch reached have a count, as in Ansible's
  const reached = Object.entries(r.result.recap).filter(([, n]) => Object.values(n).some((x) => x > 0));
  return { ran: ran(dir), recapHosts: reached.map(([h]) => h) };
}

async function ansible(c: Case): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "armgo-oracle-"));
  writeFileSync(join(dir, "site.yaml"), play(c).replaceAll("DIR", dir));
  const inv = {
    all: {
      vars: { ansible_connection: "local", ansible_python_interpreter: "/usr/bin/python3" },
      children: { g: { hosts: Object.fromEntries(names(c).map((x) => [x, vars(c, x, true)])) } },
    },
  };
  writeFileSync(join(dir, "hosts.json"), JSON.stringify(inv));
  const r = await ansiblePlaybook(["-i", join(dir, "hosts.json"), join(dir, "site.yaml")], dir);
  // 2 failed, 4 unreachable: anything else means ansible-playbook itself did not run the play
  if (![0, 2, 4].includes(r.code)) throw new Error(`ansible-playbook exited ${r.code}: ${r.stdout}${r.stderr}`);
  return ran(dir);
}

describe("serial and max_fail_percentage, against ansible-core", () => {
  it.each(Object.entries(cases))("%s", async (_name, c) => {
    const [ours, theirs] = await Promise.all([armgo(c), ansible(c)]);
    expect(ours.ran).toEqual(c.armgo.filter((x) => !c.down?.includes(x)));
    expect(theirs).toEqual(c.ansible.filter((x) => !c.down?.includes(x)));
    // the recap lists every host a batch reached, and none that no batch started
    const reached = names(c).slice(0, Math.max(...c.armgo.map((x) => names(c).indexOf(x))) + 1);
    expect(ours.recapHosts).toEqual(reached);
  });
});
