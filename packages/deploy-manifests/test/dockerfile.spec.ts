/**
 * The one root Dockerfile against the apps it builds and the manifests that use its images.
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import {
  appOfImage,
  buildArg,
  loadComposeFile,
  loadDockerfile,
  loadK8sManifests,
  REPO_ROOT,
  runnableApps,
  workloads,
} from '../src';

const dockerfile = loadDockerfile();

describe('Dockerfile', () => {
  it('takes APP as a build argument in both stages and starts apps/$APP/dist/main.js', () => {
    expect(dockerfile.stages).toHaveLength(2);
    for (const stage of dockerfile.stages) {
      expect(stage.instructions).toContainEqual({ keyword: 'ARG', argument: 'APP' });
    }
    const runtime = dockerfile.stages[1].instructions;
    const cmd = runtime.filter((i) => i.keyword === 'CMD').at(-1)?.argument ?? '';
    expect(cmd).toContain('apps/$APP/dist/main.js');
    // The k8s manifests pin runAsUser 1000 for this user (the node image's `node` is UID 1000).
    expect(runtime.filter((i) => i.keyword === 'USER').at(-1)?.argument).toBe('node');
    expect(runtime.map((i) => i.keyword)).toContain('STOPSIGNAL');
  });

  it('documents APP values that are existing apps with a src/main.ts built to dist/main.js', () => {
    expect(dockerfile.documentedApps.length).toBeGreaterThan(0);
    for (const app of dockerfile.documentedApps) {
      expect(runnableApps()).toContain(app);
      // dist/main.js only exists if the build compiles src/ into dist/ (rootDir src, outDir dist).
      const folder = path.join(REPO_ROOT, 'apps', app);
      const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
      expect(pkg.scripts?.build).toContain('tsconfig.build.json');
      const buildConfig = readFileSync(path.join(folder, 'tsconfig.build.json'), 'utf8');
      expect(buildConfig).toMatch(/"rootDir":\s*"src"/);
      expect(existsSync(path.join(folder, 'src', 'main.ts'))).toBe(true);
    }
  });

  it('builds every app that docker-compose.yml and k8s/ run', () => {
    const { data } = loadComposeFile();
    const composeApps = Object.values(data.services)
      .map((service) => buildArg(service, 'APP'))
      .filter((app): app is string => app !== undefined);
    const k8sApps = workloads(loadK8sManifests())
      .flatMap((w) => w.spec.template.spec.containers.map((c) => appOfImage(c.image)))
      .filter((app): app is string => app !== undefined);
    expect(composeApps.length).toBeGreaterThan(0);
    expect(k8sApps.length).toBeGreaterThan(0);
    for (const app of [...composeApps, ...k8sApps]) expect(dockerfile.documentedApps).toContain(app);
  });
});
