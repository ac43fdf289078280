import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const launcherSource = fileURLToPath(new URL('./mock-broker.c', import.meta.url));
export const launcherBinary = fileURLToPath(new URL('../build/mock-broker', import.meta.url));

const missingLibrary =
  'the dev broker needs librdkafka with its mock cluster: install the Debian package librdkafka-dev ' +
  '(apt-get install librdkafka-dev)';

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

let inFlight: Promise<string> | undefined;

/**
 * Compiles the mock-broker launcher unless the binary is newer than its source, and returns the binary's path.
 * Callers in one process share one compile; separate processes (parallel jest workers) each compile to their
 * own file and rename it into place, so nobody ever executes a half-written binary.
 */
export function buildLauncher(): Promise<string> {
  inFlight ??= buildIfStale().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

async function buildIfStale(): Promise<string> {
  const built = await mtimeMs(launcherBinary);
  const source = await mtimeMs(launcherSource);
  if (source === undefined) throw new Error(`dev-broker: launcher source missing at ${launcherSource}`);
  if (built !== undefined && built >= source) return launcherBinary;

  await mkdir(fileURLToPath(new URL('../build/', import.meta.url)), { recursive: true });
  const temporary = `${launcherBinary}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await run('gcc', ['-O2', '-Wall', '-o', temporary, launcherSource, '-lrdkafka']);
  } catch (error) {
    await rm(temporary, { force: true });
    throw explainBuildFailure(error);
  }
  await rename(temporary, launcherBinary);
  return launcherBinary;
}

/** Turns a failed gcc run into an error that says what to install. */
export function explainBuildFailure(error: unknown): Error {
  const failure = error as { code?: unknown; stderr?: unknown };
  if (failure.code === 'ENOENT') {
    return new Error('dev-broker: gcc not found; install the Debian packages gcc and librdkafka-dev', {
      cause: error,
    });
  }
  const stderr = typeof failure.stderr === 'string' ? failure.stderr : '';
  if (/librdkafka\/rdkafka(_mock)?\.h|-lrdkafka/.test(stderr)) {
    return new Error(`dev-broker: ${missingLibrary}\n${stderr}`, { cause: error });
  }
  return new Error(`dev-broker: compiling ${launcherSource} failed\n${stderr}`, { cause: error });
}
