/**
 * Loads the deployment descriptions (docker-compose.yml, k8s/, the Dockerfile) as plain data, so their
 * static checks run on machines with no Docker engine and no cluster.
 */
export * from './paths';
export * from './compose';
export * from './k8s';
export * from './dockerfile';
