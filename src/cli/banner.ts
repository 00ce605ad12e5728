// Ansible's section line: a title, then stars to 80 columns.
export function banner(title: string, width = 80): string {
  return `${title} ${"*".repeat(Math.max(3, width - title.length - 1))}`;
}
