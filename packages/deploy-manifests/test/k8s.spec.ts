/**
 * k8s/, checked without a cluster: the environment of every container against its app's config
 * schema, probes against the ports the apps listen on, selectors, images, hardening and the KEDA
 * scaler's stream and consumer names.
 */
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { natsNames } from '@lap/contracts';
import {
  appOfImage,
  containerEnvironment,
  loadK8sManifests,
  ofKind,
  REPO_ROOT,
  resolvePort,
  runnableApps,
  selects,
  workloads,
  type Container,
  type K8sObject,
  type ServiceObject,
  type Workload,
} from '../src';
import { ALL_INTERFACES, APP_CONFIGS, SAMPLE_SECRETS } from './app-configs';

const K8S = path.join(REPO_ROOT, 'k8s');
const manifests = loadK8sManifests(K8S);
const SECRET_EXAMPLE = 'secret.example.yaml';
const KUSTOMIZE_KINDS = ['Kustomization', 'Component'];

/** The objects `kubectl apply -k k8s/` creates: the example Secret is not among them. */
const applied = manifests.filter((m) => m.file !== SECRET_EXAMPLE);

const exampleSecret = ofKind<K8sObject & { stringData?: Record<string, string> }>(
  manifests.filter((m) => m.file === SECRET_EXAMPLE),
  'Secret',
)[0];
/** The example Secret's keys, with plausible values in place of its placeholders. */
const sampleSecrets = {
  [exampleSecret.metadata.name]: Object.fromEntries(
    Object.keys(exampleSecret.stringData ?? {}).map((key) => [key, SAMPLE_SECRETS[key]]),
  ),
};

const deployments = ofKind<Workload>(applied, 'Deployment');
const appDeployments = deployments.map((deployment) => {
  const container = deployment.spec.template.spec.containers[0];
  return { name: deployment.metadata.name, deployment, container, app: appOfImage(container.image) ?? '' };
});
const configMap = ofKind<K8sObject & { data: Record<string, string> }>(applied, 'ConfigMap')[0];
const namespace = ofKind(applied, 'Namespace')[0].metadata.name;
const natsService = ofKind<ServiceObject>(applied, 'Service').find((s) => s.metadata.name === 'nats')!;
const natsWorkload = workloads(applied).find((w) => w.metadata.name === 'nats')!;

const EXPECTED_REPLICAS: Record<string, number> = {
  gateway: 2,
  credentials: 2,
  normalizer: 2,
  'session-runner': 3,
};

function containersOf(workload: Workload): Container[] {
  return workload.spec.template.spec.containers;
}

describe('k8s manifests', () => {
  it('parse, and every object names its apiVersion, kind and name', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, object } of manifests) {
      // Kustomize's own files are configuration, not API objects: they carry no name.
      const named = KUSTOMIZE_KINDS.includes(object.kind) || Boolean(object.metadata?.name);
      expect({ file, ok: Boolean(object.apiVersion && object.kind && named) }).toEqual({
        file,
        ok: true,
      });
    }
  });

  it('put every namespaced object in the namespace they create', () => {
    for (const { file, object } of applied) {
      if (object.kind === 'Namespace' || KUSTOMIZE_KINDS.includes(object.kind)) continue;
      expect({ file, kind: object.kind, namespace: object.metadata.namespace }).toEqual({
        file,
        kind: object.kind,
        namespace,
      });
    }
  });

  it('are all reached from kustomization.yaml, except the example Secret', () => {
    const listed = new Set<string>();
    const visit = (folder: string) => {
      const kustomization = parse(readFileSync(path.join(K8S, folder, 'kustomization.yaml'), 'utf8'));
      for (const resource of kustomization.resources ?? []) {
        listed.add(path.posix.join(folder, resource));
      }
      for (const component of kustomization.components ?? []) visit(path.posix.join(folder, component));
      listed.add(path.posix.join(folder, 'kustomization.yaml'));
    };
    visit('.');
    const files = new Set(manifests.map((m) => m.file));
    for (const file of listed) expect(files).toContain(file);
    expect([...files].filter((file) => !listed.has(file))).toEqual([SECRET_EXAMPLE]);
  });

  it('run exactly the deployable apps as Deployments', () => {
    const deployable = runnableApps().filter((app) => !['local-stack', 'cursor-emulator'].includes(app));
    expect(appDeployments.map((d) => d.app).sort()).toEqual(deployable);
  });

  describe.each(appDeployments)('$name', ({ name, deployment, container, app }) => {
    const config = APP_CONFIGS[app];
    const pod = deployment.spec.template.spec;
    const { values: env, problems } = containerEnvironment(container, applied, sampleSecrets);

    it('runs the image of an existing app, named lap/<app>:latest', () => {
      expect(runnableApps()).toContain(app);
      expect(container.image).toBe(`lap/${app}:latest`);
      expect(name).toBe(app);
      expect(pod.containers).toHaveLength(1);
    });

    it('has the intended number of replicas', () => {
      expect(deployment.spec.replicas).toBe(EXPECTED_REPLICAS[app]);
    });

    it('selects its own pods', () => {
      expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
        true,
      );
    });

    it('takes every variable from something that exists (ConfigMap, the Secret keys)', () => {
      expect(problems).toEqual([]);
    });

    it('sets only variables its config schema reads', () => {
      expect(Object.keys(env).filter((variable) => !config.reads(variable))).toEqual([]);
    });

    it('sets every variable its config schema requires', () => {
      expect(config.required.filter((variable) => !env[variable])).toEqual([]);
    });

    it('passes its config schema with the Secret filled in', () => {
      expect(() => config.load(env)).not.toThrow();
      expect(env.NODE_ENV).toBe('production');
    });

    it('listens on every interface, so the kubelet and Services reach it', () => {
      const { host } = config.load(env);
      if (host !== undefined) expect(ALL_INTERFACES).toContain(host);
    });

    it('probes readiness and liveness on the port it listens on', () => {
      const { port } = config.load(env);
      for (const [probe, route] of [
        ['readinessProbe', config.readyPath],
        ['livenessProbe', config.livePath],
        ['startupProbe', config.livePath],
      ] as const) {
        const httpGet = container[probe]?.httpGet;
        if (probe === 'startupProbe' && !httpGet) continue;
        expect({ probe, path: httpGet?.path, port: resolvePort(container, httpGet?.port) }).toEqual({
          probe,
          path: route,
          port,
        });
      }
      expect(container.ports?.map((p) => p.containerPort)).toEqual([port]);
    });

    it('has resource requests and limits', () => {
      for (const kind of ['requests', 'limits'] as const) {
        expect(container.resources?.[kind]).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      }
    });

    it('runs unprivileged with a read-only root filesystem', () => {
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      // The image's USER is the name `node`: the kubelet can only enforce runAsNonRoot with a UID.
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.securityContext?.privileged).not.toBe(true);
    });

    it('has a Service that selects it, targeting a port the container opens', () => {
      const service = ofKind<ServiceObject>(applied, 'Service').find((s) => s.metadata.name === name);
      expect(service).toBeDefined();
      expect(selects(service!.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      for (const port of service!.spec.ports) {
        expect(resolvePort(container, port.targetPort ?? port.port)).toBe(config.load(env).port);
      }
    });

    it('has a PodDisruptionBudget that selects it', () => {
      const budget = ofKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(
        applied,
        'PodDisruptionBudget',
      ).find((pdb) => selects(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
      expect(budget).toBeDefined();
    });
  });

  it('gives session runners time to hand their sessions back on SIGTERM', () => {
    const runner = deployments.find((d) => d.metadata.name === 'session-runner')!;
    expect(runner.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it('point every Service and PodDisruptionBudget at an existing workload', () => {
    const templates = workloads(applied).map((w) => w.spec.template.metadata.labels);
    for (const service of ofKind<ServiceObject>(applied, 'Service')) {
      expect({
        service: service.metadata.name,
        matches: templates.some((labels) => selects(service.spec.selector, labels)),
      }).toEqual({ service: service.metadata.name, matches: true });
    }
    for (const pdb of ofKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(
      applied,
      'PodDisruptionBudget',
    )) {
      expect(templates.some((labels) => selects(pdb.spec.selector.matchLabels, labels))).toBe(true);
    }
  });

  it('keep secrets out of the ConfigMap', () => {
    for (const key of Object.keys(configMap.data)) {
      expect(Object.keys(exampleSecret.stringData ?? {})).not.toContain(key);
      expect(key).not.toMatch(/KEY|SECRET|PASSWORD|TOKEN/);
    }
  });

  describe('secret.example.yaml', () => {
    it('is only an example: placeholders every service refuses, so applying it fails loudly', () => {
      for (const { app, container } of appDeployments) {
        const placeholders = { [exampleSecret.metadata.name]: exampleSecret.stringData ?? {} };
        const { values } = containerEnvironment(container, applied, placeholders);
        const usesSecret = (container.env ?? []).some((v) => v.valueFrom?.secretKeyRef);
        if (usesSecret) expect(() => APP_CONFIGS[app].load(values)).toThrow();
      }
    });

    it('documents the kubectl create secret command for every key', () => {
      const text = readFileSync(path.join(K8S, SECRET_EXAMPLE), 'utf8');
      expect(text).toContain(`kubectl -n ${namespace} create secret generic ${exampleSecret.metadata.name}`);
      for (const key of Object.keys(exampleSecret.stringData ?? {}))
        expect(text).toContain(`--from-literal=${key}=`);
    });
  });

  describe('NATS', () => {
    const container = containersOf(natsWorkload)[0];
    const args = container.args ?? [];

    it('runs JetStream with its store on a persistent volume claim', () => {
      expect(natsWorkload.kind).toBe('StatefulSet');
      expect(args).toContain('-js');
      const storeDir = args[args.indexOf('-sd') + 1];
      const mount = container.volumeMounts?.find((m) => m.mountPath === storeDir);
      expect(mount).toBeDefined();
      expect(natsWorkload.spec.volumeClaimTemplates?.map((t) => t.metadata.name)).toContain(mount!.name);
      const governing = ofKind<ServiceObject>(applied, 'Service').find(
        (s) => s.metadata.name === natsWorkload.spec.serviceName,
      );
      expect(governing?.spec.clusterIP).toBe('None');
    });

    it('serves clients on the port NATS_URL names and monitoring on its -m port', () => {
      const url = new URL(configMap.data.NATS_URL);
      expect(url.hostname).toBe(natsService.metadata.name);
      const client = natsService.spec.ports.find((p) => p.port === Number(url.port));
      expect(resolvePort(container, client?.targetPort)).toBe(4222);
      const monitorPort = Number(args[args.indexOf('-m') + 1]);
      const monitor = natsService.spec.ports.find((p) => p.name === 'monitor');
      expect(resolvePort(container, monitor?.targetPort)).toBe(monitorPort);
      expect(container.readinessProbe?.httpGet).toEqual({
        path: '/healthz?js-enabled-only=true',
        port: 'monitor',
      });
      expect(resolvePort(container, 'monitor')).toBe(monitorPort);
    });

    it('runs unprivileged with a read-only root filesystem', () => {
      const pod = natsWorkload.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: expect.any(Number) });
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(container.resources?.limits).toBeDefined();
    });
  });

  describe('KEDA ScaledObject', () => {
    type ScaledObject = K8sObject & {
      spec: {
        scaleTargetRef: { name: string; kind?: string };
        minReplicaCount?: number;
        maxReplicaCount?: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
    };
    const scaledObjects = ofKind<ScaledObject>(applied, 'ScaledObject');
    const scaled = scaledObjects[0];
    const trigger = scaled?.spec.triggers.find((t) => t.type === 'nats-jetstream');

    it('scales the session-runner Deployment on its JetStream consumer', () => {
      expect(scaledObjects).toHaveLength(1);
      expect(scaled.spec.scaleTargetRef.name).toBe('session-runner');
      expect(scaled.spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
      expect(deployments.map((d) => d.metadata.name)).toContain(scaled.spec.scaleTargetRef.name);
      expect(trigger).toBeDefined();
    });

    it('names the stream and consumer the runners use (contracts natsNames, the ConfigMap prefix)', () => {
      expect(trigger!.metadata.stream).toBe(natsNames('lap').streams.commands);
      expect(trigger!.metadata.consumer).toBe(natsNames('lap').consumers.runners);
      const names = natsNames(configMap.data.LAP_PREFIX);
      expect(trigger!.metadata.stream).toBe(names.streams.commands);
      expect(trigger!.metadata.consumer).toBe(names.consumers.runners);
    });

    it("reads the NATS Service's monitoring port", () => {
      const [host, port] = trigger!.metadata.natsServerMonitoringEndpoint.split(':');
      expect(host.split('.').slice(0, 2)).toEqual([natsService.metadata.name, namespace]);
      expect(natsService.spec.ports.find((p) => p.port === Number(port))?.name).toBe('monitor');
    });

    it('adds replicas before a runner reaches its session limit, and never goes below the base count', () => {
      const runner = appDeployments.find((d) => d.app === 'session-runner')!;
      const { values } = containerEnvironment(runner.container, applied, sampleSecrets);
      const maxSessions = Number(values.RUNNER_MAX_SESSIONS ?? 500);
      expect(Number(trigger!.metadata.lagThreshold)).toBeGreaterThan(0);
      expect(Number(trigger!.metadata.lagThreshold)).toBeLessThan(maxSessions);
      expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(EXPECTED_REPLICAS['session-runner']);
      expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount!);
    });
  });

  it('mentions the external PostgreSQL and the NATS choice in k8s/README.md', () => {
    expect(readdirSync(K8S)).toContain('README.md');
    const readme = readFileSync(path.join(K8S, 'README.md'), 'utf8');
    expect(readme).toMatch(/PostgreSQL is external/);
    expect(readme).toMatch(/NATS/);
  });
});
