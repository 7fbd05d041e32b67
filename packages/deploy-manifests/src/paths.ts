import { existsSync, readdirSync } from 'fs';
import * as path from 'path';

/** The monorepo root: this file lives in packages/deploy-manifests/src (or dist). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Folders under apps/ that can be started: the ones with a `src/main.ts` (the image's entry point). */
export function runnableApps(root: string = REPO_ROOT): string[] {
  const apps = path.join(root, 'apps');
  return readdirSync(apps)
    .filter((name) => existsSync(path.join(apps, name, 'src', 'main.ts')))
    .sort();
}
