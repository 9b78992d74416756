# One image for every service of compose.yaml: the lanmesh CLI, built from this checkout, with the sample
# folders peer1..3. `docker compose up` runs an index server and three peers; see the README.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# --ignore-scripts: `prepare` would run tsc before the sources are complete; the build is the next step.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npx tsc -p tsconfig.json \
 && npm prune --omit=dev --no-audit --no-fund
COPY peer1 ./peer1
COPY peer2 ./peer2
COPY peer3 ./peer3
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
