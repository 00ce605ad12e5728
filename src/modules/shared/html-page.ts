// A login, error or mirror page served in place of a file: it fails the checksum, and the line says why.

/** An extended regex (grep -E, and JS with the `i` flag) for the start of an HTML page. */
export const HTML_START = "<(!doctype html|html)";

/** Bytes of a download's start that are looked at for HTML_START. */
export const HTML_SNIFF_BYTES = 512;

/** What follows a checksum mismatch's `got HEX` when the bytes were an HTML page. */
export const HTML_PAGE_SAID = "the server sent an HTML page, not the file";

/** Whether `head` (the first bytes of a download) starts an HTML page. */
export function isHtmlPage(head: Buffer): boolean {
  return new RegExp(HTML_START, "i").test(head.subarray(0, HTML_SNIFF_BYTES).toString("latin1"));
}
