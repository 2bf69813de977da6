/**
 * systemd-style configuration directories (sysctl.d, modprobe.d, *.conf.d drop-ins): files from
 * several directories, highest priority first; a file name in an earlier directory masks the same
 * name in later ones; the survivors apply in file-name order. Pure.
 */
/**
 * Picks the files systemd-sysctl would read: `dirs` in precedence order (first wins for a file
 * name), each given as the sorted list of `*.conf` file paths found there. Returns them in
 * application order (sorted by file name).
 */
export function orderConfFiles(dirs: readonly (readonly string[])[]): string[] {
  const byName = new Map<string, string>();
  for (const files of dirs)
    for (const f of files) {
      const name = f.slice(f.lastIndexOf('/') + 1);
      if (!byName.has(name)) byName.set(name, f);
    }
  return [...byName.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, p]) => p);
}

/** The same ordering for a flat list of paths, given the directories in priority order. */
export function orderDropinPaths(paths: readonly string[], dirs: readonly string[]): string[] {
  const lists: string[][] = dirs.map(() => []);
  const other: string[] = [];
  for (const p of paths) {
    const i = dirs.indexOf(p.slice(0, p.lastIndexOf('/')));
    if (i < 0) other.push(p);
    else lists[i]!.push(p);
  }
  return orderConfFiles([...lists, other]);
}
