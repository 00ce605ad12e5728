// Every ssh_config keyword OpenSSH 9 knows, and what armgo does with it.

/**
 * implemented: resolved and used. quiet: no bearing on what armgo does (logging, terminals, X11,
 * options that only act with another one armgo refuses). warn: armgo does not do it, but the host
 * is still reached where and as the user asked: one warning line per run. refuse: it would change
 * where, through what or as whom armgo connects: an error, so no host is reached another way.
 */
export type Support = "implemented" | "quiet" | "warn" | "refuse";

// prettier-ignore
const IMPLEMENTED = [
  "host", "match", "include", "hostname", "user", "port", "identityfile", "identitiesonly", "proxyjump",
  "proxycommand", "userknownhostsfile", "stricthostkeychecking", "connecttimeout", "serveraliveinterval",
  "serveralivecountmax", "connectionattempts", "ignoreunknown",
];

// prettier-ignore
const QUIET = [
  "loglevel", "logverbose", "syslogfacility", "batchmode", "visualhostkey", "escapechar", "enableescapecommandline",
  "requesttty", "sessiontype", "stdinnull", "forkafterauthentication", "compression", "tcpkeepalive", "keepalive",
  "checkhostip", "fingerprinthash", "xauthlocation", "forwardx11", "forwardx11trusted", "forwardx11timeout",
  "hashknownhosts", "sendenv", "gssapiauthentication", "gssapidelegatecredentials", "numberofpasswordprompts",
  "kbdinteractiveauthentication", "kbdinteractivedevices", "challengeresponseauthentication", "verifyhostkeydns",
  "updatehostkeys", "addkeystoagent", "canonicaldomains", "canonicalizefallbacklocal", "canonicalizemaxdots",
  "canonicalizepermittedcnames", "streamlocalbindmask", "streamlocalbindunlink", "ipqos", "rekeylimit",
  "tunneldevice", "permitlocalcommand", "proxyusefdpass", "clearallforwardings", "exitonforwardfailure",
  "gatewayports", "nohostauthenticationforlocalhost", "enablesshkeysign", "controlpersist",
  // Deprecated or unsupported in OpenSSH 9: ssh itself ignores them.
  "useprivilegedport", "rhostsauthentication", "fallbacktorsh", "globalknownhostsfile2", "rhostsrsaauthentication",
  "useroaming", "userknownhostsfile2", "cipher", "protocol", "compressionlevel", "rsaauthentication",
  "afstokenpassing", "kerberosauthentication", "kerberostgtpassing", "dsaauthentication", "skeyauthentication",
  "tisauthentication", "useblacklistedkeys", "identityfile2",
];

// prettier-ignore
const WARN = [
  "forwardagent", "localforward", "remoteforward", "dynamicforward", "permitremoteopen", "controlmaster",
  "controlpath", "localcommand", "remotecommand", "tunnel", "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms",
  "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes", "casignaturealgorithms", "hostbasedauthentication",
  "hostbasedacceptedalgorithms", "hostbasedkeytypes", "certificatefile", "identityagent", "pkcs11provider",
  "securitykeyprovider", "smartcarddevice", "globalknownhostsfile", "knownhostscommand", "setenv",
  "addressfamily", "preferredauthentications", "pubkeyauthentication", "passwordauthentication", "requiredrsasize",
];

const REFUSE: Record<string, string> = {
  hostkeyalias: "armgo checks the host key under the host's own name: remove HostKeyAlias for this host",
  canonicalizehostname: "armgo does not canonicalize names: set HostName to the full name instead",
  bindaddress: "armgo connects from the default address: remove BindAddress for this host",
  bindinterface: "armgo connects from the default interface: remove BindInterface for this host",
  revokedhostkeys: "armgo would not read the file: mark revoked keys with @revoked lines in known_hosts instead",
};

const SUPPORT = new Map<string, Support>([
  ...IMPLEMENTED.map((k) => [k, "implemented"] as const),
  ...QUIET.map((k) => [k, "quiet"] as const),
  ...WARN.map((k) => [k, "warn"] as const),
  ...Object.keys(REFUSE).map((k) => [k, "refuse"] as const),
]);

export function support(keyword: string): Support | undefined {
  return SUPPORT.get(keyword);
}

export function refusalHint(keyword: string): string | undefined {
  return REFUSE[keyword];
}

/** Values that turn an option off: ignoring it then is doing what it says. */
export function isOff(args: string[]): boolean {
  return args.length === 1 && /^(no|none|false|off|any)$/i.test(args[0]!);
}
