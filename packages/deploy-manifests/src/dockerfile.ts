import { readFileSync } from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './paths';

export interface DockerfileStage {
  from: string;
  instructions: { keyword: string; argument: string }[];
}

export interface LoadedDockerfile {
  text: string;
  stages: DockerfileStage[];
  /** The apps the header comment says APP may name (`APP is a folder under apps/ (a, b, …)`). */
  documentedApps: string[];
}

/**
 * A small Dockerfile reader: enough to see the stages, their ARG/USER/CMD lines and the documented
 * APP values. Continuation lines (`\`) are joined; comments are kept apart.
 */
export function loadDockerfile(file: string = path.join(REPO_ROOT, 'Dockerfile')): LoadedDockerfile {
  const text = readFileSync(file, 'utf8');
  const stages: DockerfileStage[] = [];
  const logical = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of logical) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [, keyword, argument] = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stages.push({ from: argument, instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: upper, argument });
  }
  const documented = /APP is a folder under apps\/ \(([^)]*)\)/.exec(text)?.[1] ?? '';
  return {
    text,
    stages,
    documentedApps: documented
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  };
}
