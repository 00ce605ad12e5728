// Ansible's connection vars, in one table: those armgo honours (checked here for type), those that do
// not matter to armgo (one warning line per run), and those that would change where, as whom or how a
// host is reached and that armgo does not implement (refused at file:line:col: never silently ignored).
// Any other var stays a plain var. Passwords are refused in every source: only env var names.
import { InputError, type Where } from "../../errors.js";
import { isTemplated } from "../../template/render.js";

/** A var as a source wrote it, and where. */
export interface Placed {
  value: unknown;
  where: Where;
  /** Where the value itself starts, when known: a wrong value is pointed at there. */
  valueAt?: Where;
}

type Check = (v: unknown) => string | undefined;

const string: Check = (v) => (typeof v === "string" ? undefined : "must be string");
const port: Check = (v) => {
  if (typeof v === "string" && /^\d+$/.test(v)) v = Number(v);
  if (typeof v !== "number" || !Number.isInteger(v)) return "must be integer";
  if (v < 1) return "must be >= 1";
  return v > 65535 ? "must be <= 65535" : undefined;
};
const BOOLEAN_WORDS = ["yes", "no", "true", "false", "on", "off", "1", "0", "y", "n", "t", "f"];
// Ansible reads `ansible_become=true` from an INI [g:vars] line (a string) as a boolean
const boolean: Check = (v) =>
  typeof v === "boolean" || v === 0 || v === 1 || (typeof v === "string" && BOOLEAN_WORDS.includes(v.toLowerCase()))
    ? undefined
    : "must be boolean";
const booleanOrUser: Check = (v) =>
  typeof v === "boolean" || typeof v === "string" ? undefined : "must be boolean or string";
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    allowed.includes(String(v)) ? undefined : `must be one of: ${allowed.join(", ")}`;

/** Honoured by armgo (the engine, ssh_config and become read them): their values are checked here. */
export const HONOURED: Record<string, Check> = {
  host: string,
  ansible_host: string,
  port,
  ansible_port: port,
  user: string,
  ansible_user: string,
  identity_file: string,
  ansible_ssh_private_key_file: string,
  known_hosts: string,
  password_env: string,
  become: booleanOrUser,
  ansible_become: boolean,
  become_user: string,
  ansible_become_user: string,
  ansible_become_method: oneOf("sudo"),
  become_password_env: string,
  connection: oneOf("ssh", "local"),
  ansible_connection: oneOf("ssh", "local", "smart"),
  ssh_config: string,
  proxy_jump: string,
  // Ansible's other names, read by src/engine/connection.ts as Ansible's ssh connection reads them
  ansible_ssh_host: string,
  ansible_ssh_port: port,
  ansible_ssh_user: string,
  ansible_private_key_file: string,
  // the options inside are read (and refused where not implemented) where the connection is made
  ansible_ssh_args: string,
  ansible_ssh_common_args: string,
  ansible_ssh_extra_args: string,
  ansible_ssh_host_key_checking: boolean,
};

/** Ansible vars that make no difference to how armgo works: one warning line each per run. */
export const IGNORED: Record<string, string> = {
  ansible_python_interpreter: "armgo runs no Python on hosts",
  ansible_pipelining: "armgo always sends its commands over one connection",
  ansible_ssh_pipelining: "armgo always sends its commands over one connection",
  ansible_ssh_retries: "armgo reports an unreachable host at once",
  ansible_ssh_timeout: "armgo uses its own connect timeout",
  ansible_timeout: "armgo uses its own connect timeout",
  ansible_control_path: "armgo keeps one ssh2 connection per host, not an OpenSSH control socket",
  ansible_control_path_dir: "armgo keeps one ssh2 connection per host, not an OpenSSH control socket",
  ansible_ssh_transfer_method: "armgo sends files over its own connection",
  ansible_scp_if_ssh: "armgo sends files over its own connection",
  ansible_sftp_batch_mode: "armgo sends files over its own connection",
  ansible_ssh_use_tty: "armgo needs no tty",
  ansible_remote_tmp: "armgo writes no module files to a remote temp dir",
  ansible_module_compression: "armgo sends no Python modules",
  ansible_facts: "armgo gathers its own facts",
};

/** Other names of honoured vars: armgo reads only one name, so the other would be silently lost. */
const ALIASES: Record<string, string> = {
  ansible_host_key_checking: "ansible_ssh_host_key_checking",
  ansible_sudo: "ansible_become",
  ansible_sudo_user: "ansible_become_user",
  ansible_su: "ansible_become (with sudo)",
  ansible_su_user: "ansible_become_user",
};

/** Would change where, as whom or how a host is reached, and armgo does not do it. */
export const REFUSED: Record<string, string> = {
  ansible_shell_executable: "armgo runs commands with the host's /bin/sh",
  ansible_shell_type: "armgo quotes for a POSIX sh",
  ansible_ssh_executable: "armgo speaks SSH itself (ssh2), it runs no ssh binary",
  ansible_scp_extra_args: "armgo sends files over its own connection",
  ansible_sftp_extra_args: "armgo sends files over its own connection",
  ansible_sshpass_prompt: "armgo takes passwords only from env vars",
  ansible_become_exe: "armgo becomes another user with sudo from PATH",
  ansible_become_flags: "armgo runs sudo with its own flags",
  ansible_sudo_exe: "armgo becomes another user with sudo from PATH",
  ansible_sudo_flags: "armgo runs sudo with its own flags",
  ansible_su_exe: "armgo becomes another user with sudo only",
  ansible_su_flags: "armgo becomes another user with sudo only",
  ansible_pkcs11_provider: "armgo reads keys from files only",
  ...Object.fromEntries(Object.entries(ALIASES).map(([k, v]) => [k, `armgo reads this as ${v}: use that name`])),
};

/** Connection plugins and their families that armgo does not speak. */
const REFUSED_PREFIXES = [
  "ansible_winrm_",
  "ansible_psrp_",
  "ansible_paramiko_",
  "ansible_docker_",
  "ansible_kubectl_",
  "ansible_netconf_",
  "ansible_httpapi_",
  "ansible_libssh_",
];

/** Secrets never live in inventory files: only the name of an env var may be given. */
export const PASSWORD_KEYS = [
  "password",
  "ansible_password",
  "ansible_ssh_pass",
  "ansible_ssh_password",
  "ansible_become_password",
  "ansible_become_pass",
  "ansible_sudo_pass",
  "ansible_su_pass",
];

/** Refuses a password wherever a var is read (an inventory file, group_vars, host_vars, a script). */
export function checkPassword(key: string, where: Where): void {
  if (!PASSWORD_KEYS.includes(key)) return;
  const become = /become|sudo|su_/.test(key);
  const source = where.file === "-e" ? "-e" : "an inventory file";
  throw new InputError(`'${key}' in ${source} is refused: passwords are read only from the environment`, {
    where,
    hint: `set ${become ? "become_password_env" : "password_env"}: NAME_OF_ENV_VAR instead`,
  });
}

/**
 * One host's merged vars: throws for a refused var or a wrong value of an honoured one (at the
 * place it was written), and adds the ignored ones it has to `ignored`.
 */
export function checkConnectionVars(vars: Map<string, Placed>, ignored: Set<string>): void {
  for (const [key, { value, where, valueAt }] of vars) {
    const check = HONOURED[key];
    if (check) {
      if (isTemplated(value)) continue;
      const problem = check(value);
      if (problem) throw new InputError(`'${key}' ${problem}`, { where: valueAt ?? where });
      continue;
    }
    if (key in IGNORED) {
      ignored.add(key);
      continue;
    }
    const reason =
      REFUSED[key] ?? (REFUSED_PREFIXES.some((p) => key.startsWith(p)) ? "armgo connects over SSH only" : undefined);
    if (reason)
      throw new InputError(`'${key}' is not supported: ${reason}`, {
        where,
        hint: "remove it, or use what armgo honours (see docs/inventory.md)",
      });
    if (/^ansible_\w+_interpreter$/.test(key)) ignored.add(key);
  }
}

// How a host is reached comes from the inventory (and -e) alone: elsewhere these would be read by nobody.
const ROUTE_VARS = new Set([
  ...Object.keys(HONOURED).filter((k) => k.startsWith("ansible_") && !k.startsWith("ansible_become")),
  "proxy_jump",
  "ssh_config",
  "password_env",
  "become_password_env",
]);

/**
 * A playbook's vars (play vars, vars_files) may not say how a host is reached: armgo reads that from
 * the inventory only, and a var it would not read must not look as if it were honoured.
 */
export function refuseRouteVar(key: string, where: Where, place: string): void {
  const refused =
    ROUTE_VARS.has(key) ||
    key in REFUSED ||
    REFUSED_PREFIXES.some((p) => key.startsWith(p)) ||
    (key.startsWith("ansible_") && PASSWORD_KEYS.includes(key));
  if (!refused) return;
  throw new InputError(`'${key}' in ${place} is not read: armgo takes how to reach a host from the inventory and -e`, {
    where,
    hint: "set it in the inventory, group_vars/ or host_vars/",
  });
}

/** -e vars are read like the inventory's: a refused var or a password is one line, before anything runs. */
export function checkExtraVars(vars: Record<string, unknown>): void {
  const where = { file: "-e" };
  for (const key of Object.keys(vars)) checkPassword(key, where);
  checkConnectionVars(new Map(Object.entries(vars).map(([k, value]) => [k, { value, where }])), new Set());
}

/** The warning line for an ignored var. */
export function ignoredWarning(key: string): string {
  return `inventory var '${key}' is ignored: ${IGNORED[key] ?? "armgo runs no interpreters on hosts"}`;
}
