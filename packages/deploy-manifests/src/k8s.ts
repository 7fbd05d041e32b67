import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './paths';

/** The fields of Kubernetes objects the checks read; everything else is left untyped. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface K8sManifest {
  /** Path relative to the k8s folder, e.g. `gateway.yaml` or `keda/session-runner-scaledobject.yaml`. */
  file: string;
  object: K8sObject;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
}

export interface HttpProbe {
  httpGet?: { path: string; port: number | string };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: ContainerPort[];
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; fsGroup?: number };
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string }[];
}

/** A Deployment or a StatefulSet: the objects that own pods. */
export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    serviceName?: string;
    selector: { matchLabels?: Record<string, string> };
    template: { metadata: { labels?: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}

export interface ServiceObject extends K8sObject {
  spec: {
    selector?: Record<string, string>;
    clusterIP?: string;
    ports: { name?: string; port: number; targetPort?: number | string }[];
  };
}

const MANIFEST_FILE = /\.ya?ml$/;

/** Every document of every YAML file under k8s/ (recursively), failing on any YAML error. */
export function loadK8sManifests(dir: string = path.join(REPO_ROOT, 'k8s')): K8sManifest[] {
  const manifests: K8sManifest[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      if (!MANIFEST_FILE.test(entry.name)) continue;
      const file = path.relative(dir, full).split(path.sep).join('/');
      for (const document of parseAllDocuments(readFileSync(full, 'utf8'))) {
        if (document.errors.length > 0) {
          throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
        }
        const object = document.toJS() as K8sObject | null;
        if (object !== null) manifests.push({ file, object });
      }
    }
  };
  walk(dir);
  return manifests.sort((a, b) => a.file.localeCompare(b.file));
}

export function ofKind<T extends K8sObject = K8sObject>(manifests: K8sManifest[], kind: string): T[] {
  return manifests.filter((m) => m.object.kind === kind).map((m) => m.object as T);
}

/** The workloads (Deployments and StatefulSets) among the manifests. */
export function workloads(manifests: K8sManifest[]): Workload[] {
  return [...ofKind<Workload>(manifests, 'Deployment'), ...ofKind<Workload>(manifests, 'StatefulSet')];
}

/** True when every label of the selector is carried by the labels. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> = {},
): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** Resolves a probe's or Service's port (a number or a container port name) to a number. */
export function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export interface ResolvedEnv {
  /** Name → value as the container would see it. */
  values: Record<string, string>;
  /** References that point nowhere (a missing ConfigMap, Secret or key). */
  problems: string[];
}

/**
 * The environment a container receives: envFrom ConfigMaps/Secrets first, then `env` (which wins, as in
 * Kubernetes). Secrets are looked up in `secrets` (name → key → value): the real Secret never lives in
 * the repository, so the caller supplies the example's keys with plausible values.
 */
export function containerEnvironment(
  container: Container,
  manifests: K8sManifest[],
  secrets: Record<string, Record<string, string>>,
): ResolvedEnv {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const configMaps = Object.fromEntries(
    ofKind<K8sObject & { data?: Record<string, string> }>(manifests, 'ConfigMap').map((c) => [
      c.metadata.name,
      c.data ?? {},
    ]),
  );
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const data = configMaps[source.configMapRef.name];
      if (!data) problems.push(`envFrom names ConfigMap ${source.configMapRef.name}, which does not exist`);
      Object.assign(values, data ?? {});
    }
    if (source.secretRef) {
      const data = secrets[source.secretRef.name];
      if (!data) problems.push(`envFrom names Secret ${source.secretRef.name}, which does not exist`);
      Object.assign(values, data ?? {});
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      values[variable.name] = String(variable.value);
      continue;
    }
    const secretRef = variable.valueFrom?.secretKeyRef;
    const configMapRef = variable.valueFrom?.configMapKeyRef;
    if (secretRef) {
      const value = secrets[secretRef.name]?.[secretRef.key];
      if (value === undefined)
        problems.push(`${variable.name} names ${secretRef.name}/${secretRef.key}, which does not exist`);
      else values[variable.name] = value;
    } else if (configMapRef) {
      const value = configMaps[configMapRef.name]?.[configMapRef.key];
      if (value === undefined) {
        problems.push(
          `${variable.name} names ConfigMap ${configMapRef.name}/${configMapRef.key}, which does not exist`,
        );
      } else values[variable.name] = value;
    } else {
      problems.push(`${variable.name} has neither a value nor a secretKeyRef/configMapKeyRef`);
    }
  }
  return { values, problems };
}

/** `lap/<app>:<tag>` → `<app>`; undefined for any other image. */
export function appOfImage(image: string): string | undefined {
  return /^lap\/([a-z0-9-]+)(?::[\w.-]+)?$/.exec(image)?.[1];
}
