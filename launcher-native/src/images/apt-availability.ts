import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { PackageLock } from './package-lock.js';

const run = promisify(execFile);

/** A locked package whose version the apt sources no longer carry, with the versions they do. */
export interface UnavailablePackage {
  name: string;
  version: string;
  available: string[];
}

/**
 * A locked build refused before it began: the apt sources no longer carry
 * these versions (Debian's mirrors keep only a suite's current ones).
 */
export class LockedVersionsUnavailable extends Error {
  constructor(readonly packages: UnavailablePackage[]) {
    const lines = packages.map((p) => `${p.name}=${p.version} (the sources have ${p.available.length > 0 ? p.available.join(', ') : 'no version of it'})`);
    super(`${packages.length === 1 ? '1 locked package version is' : `${packages.length} locked package versions are`} no longer in the apt sources, so the image cannot be rebuilt as it was, and building other versions would verify nothing:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * A recipe refused before mmdebstrap ran: it pins versions the apt sources do
 * not carry, which apt would only find out a minute into the build.
 */
export class RecipeVersionsUnavailable extends Error {
  constructor(readonly packages: UnavailablePackage[]) {
    const lines = packages.map((p) => `${p.name}=${p.version} (the sources have ${p.available.length > 0 ? p.available.join(', ') : 'no version of it'})`);
    super(`the recipe pins ${packages.length === 1 ? 'a package version' : `${packages.length} package versions`} the apt sources do not carry:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * The packages of `lock` whose exact version none of `sources` (apt source
 * files, as mmdebstrap is given them) carries now. apt runs on its own: a
 * private configuration and state in a temp directory, fresh indexes from
 * those sources only, and none of the host's apt.conf.d, whose hooks
 * (Update::Post-Invoke, say) are the host's business, not a build's.
 */
export async function unavailablePackages(lock: PackageLock, sources: string[]): Promise<UnavailablePackage[]> {
  const dir = await mkdtemp(join(tmpdir(), 'narrative-apt-'));
  try {
    for (const sub of ['etc/apt.conf.d', 'etc/preferences.d', 'etc/sources.list.d', 'state/lists/partial', 'cache/archives/partial']) await mkdir(join(dir, sub), { recursive: true });
    // Numbered, so sources.list and a same-named file in sources.list.d cannot collide.
    await Promise.all(sources.map((file, i) => copyFile(file, join(dir, 'etc', 'sources.list.d', `${i}-${basename(file)}`))));
    await writeFile(join(dir, 'state', 'status'), '');
    await writeFile(join(dir, 'apt.conf'), aptConfig(await nativeArchitecture()));
    const apt = (command: string, args: string[]) =>
      // Every path in apt.conf is relative to the working directory ("Dir ./"), so no path is ever quoted into it.
      run(command, args, { cwd: dir, env: { ...process.env, APT_CONFIG: 'apt.conf', LC_ALL: 'C.UTF-8' }, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    await apt('apt-get', ['--quiet', 'update']).catch((error: Error & { stderr?: string }) => {
      throw new Error(`reading the apt sources failed (${sources.join(', ')}): ${error.stderr?.trim() || error.message}`);
    });
    const { stdout } = await apt('apt-cache', ['madison', ...Object.keys(lock)]);
    const carried = madisonVersions(stdout);
    return Object.entries(lock)
      .filter(([name, version]) => !carried.get(name)?.has(version))
      .map(([name, version]) => ({ name, version, available: [...(carried.get(name) ?? [])] }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** name → versions, from `apt-cache madison` lines: `name | version | where`. */
export function madisonVersions(output: string): Map<string, Set<string>> {
  const versions = new Map<string, Set<string>>();
  for (const line of output.split('\n')) {
    const [name, version] = line.split('|').map((part) => part.trim());
    if (!name || !version) continue;
    versions.set(name, (versions.get(name) ?? new Set()).add(version));
  }
  return versions;
}

function aptConfig(architecture: string): string {
  return [
    'Dir "./";',
    'Dir::Etc "etc";',
    'Dir::Etc::Parts "apt.conf.d";',
    'Dir::Etc::SourceList "/dev/null";',
    'Dir::Etc::SourceParts "sources.list.d";',
    // The host's keyrings, as mmdebstrap uses them for sources without Signed-By.
    'Dir::Etc::Trusted "/etc/apt/trusted.gpg";',
    'Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d/";',
    'Dir::State "state";',
    'Dir::State::Lists "lists";',
    'Dir::State::status "status";',
    'Dir::Cache "cache";',
    'Debug::NoLocking "true";',
    // Nothing here is shared, so downloads need not drop to the _apt account (which could not write a private temp directory).
    'APT::Sandbox::User "root";',
    'Acquire::Languages "none";',
    // mmdebstrap builds for the native architecture only; foreign ones would only add downloads.
    `APT::Architecture "${architecture}";`,
    `APT::Architectures { "${architecture}"; };`,
    '',
  ].join('\n');
}

async function nativeArchitecture(): Promise<string> {
  const { stdout } = await run('dpkg', ['--print-architecture'], { encoding: 'utf8' });
  const architecture = stdout.trim();
  if (!/^[a-z0-9-]+$/.test(architecture)) throw new Error(`dpkg --print-architecture said "${architecture}", which is no architecture`);
  return architecture;
}
