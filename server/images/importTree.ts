/**
 * Turns a root filesystem tree into a tagged image on the engine: `tar | docker import` with
 * the config as change lines, then (only when needed) a one-line classic build for what import
 * cannot set, then the remaining tags.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type Dockerode from 'dockerode';
import { dockerfileFor, importChanges, splitTag, type ImageConfig } from './recipe.ts';

interface ProgressEvent {
  status?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Waits for a JSON progress stream to end; a stream-level error becomes a thrown Error. */
export function followStream(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: ProgressEvent[]) => {
      if (err) return reject(err);
      const bad = out.find((e) => e.error || e.errorDetail);
      if (bad) return reject(new Error(bad.errorDetail?.message ?? bad.error));
      resolve(out);
    });
  });
}

/** Imports root as tags[0], applies config and labels, adds tags[1..]; returns the image id. */
export async function importTree(
  docker: Dockerode,
  root: string,
  tags: string[],
  config: ImageConfig,
  labels: Record<string, string>,
): Promise<string> {
  const [first, ...rest] = tags;
  if (!first) throw new Error('importTree needs at least one tag');
  // --xattrs keeps file capabilities (ping's cap_net_raw); numeric owners keep uids as in the tree.
  const tar = spawn('tar', ['-C', root, '--numeric-owner', '--xattrs', '--xattrs-include=security.capability', '-cf', '-', '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tarErr = '';
  tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
  const tarDone = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
  const { repo, tag } = splitTag(first);
  try {
    const stream = await docker.importImage(tar.stdout, { repo, tag, changes: importChanges(config, labels) } as object);
    await followStream(docker, stream);
  } catch (err) {
    // The engine stopped reading: tar would block on a full pipe forever.
    tar.kill('SIGKILL');
    throw err;
  }
  const code = await tarDone;
  if (code !== 0) throw new Error(`tar of ${root} failed (exit ${code}): ${tarErr.trim()}`);

  const dockerfile = dockerfileFor(first, config);
  if (dockerfile) await buildOnTop(docker, dockerfile, first);
  for (const t of rest) await docker.getImage(first).tag(splitTag(t));
  return (await docker.getImage(first).inspect()).Id;
}

/** A classic (non-BuildKit) build of a FROM-only Dockerfile: metadata, no layers, no registry. */
async function buildOnTop(docker: Dockerode, dockerfile: string, tag: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-build-'));
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: tag, rm: true, forcerm: true, version: '1' } as object);
    await followStream(docker, stream);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
