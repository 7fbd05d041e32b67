# One image recipe for every service: docker build --build-arg APP=gateway -t lap-gateway .
# APP is a folder under apps/ (gateway, credentials, session-runner, normalizer, cursor-emulator).
FROM node:20-bookworm-slim AS build
ARG APP
WORKDIR /repo
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
RUN test -n "$APP" && test -d "apps/$APP" || (echo "build with --build-arg APP=<folder under apps/>" && exit 1)
RUN npm ci --no-audit --no-fund \
 && npx turbo run build --filter="./apps/$APP..." \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ARG APP
ENV NODE_ENV=production APP=${APP}
WORKDIR /repo
COPY --from=build --chown=node:node /repo ./
USER node
# Services stop gracefully on SIGTERM (runners hand their live sessions back at once).
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec node --enable-source-maps apps/$APP/dist/main.js"]
