#!/usr/bin/env python3
"""Deterministic generator of a monorepo-like tree for bench/lint-vs-checkov.sh.

Usage: gen_tree.py OUT_DIR TOTAL_FILES SEED [FIXTURE_DIR...]

Copies the fixture directories in (under OUT_DIR/fixtures/<name>), then fills the tree up to
exactly TOTAL_FILES files with:
  - Kubernetes manifests of non-Redis apps (Deployment/StatefulSet/Service/ConfigMap/HPA/...,
    multi-document, 40-120 lines), some with a redis_exporter or REDIS_URL (not Redis servers);
  - Redis StatefulSets (~5% of files) in several variants: good, no limit, limit without
    maxmemory, maxmemory == limit, low headroom, limit without request, ConfigMap redis.conf;
  - bitnami/redis-style Helm values (master/replica/commonConfiguration): stand-alone values
    files for `helm install bitnami/redis -f`, and umbrella charts (Chart.yaml with a redis
    dependency, values nested under `redis:`, some with `redis.enabled: false`)
    and non-Redis app charts (Chart.yaml, values.yaml, templates/*.yaml with Go templates);
  - redis.conf files with and without maxmemory, and nginx.conf look-alikes;
  - unrelated files: README.md, .py, .js, .json, .txt, docker-compose.yml, openapi.yaml,
    random-byte .png, spread over nested directories.
Writes OUT_DIR/../<basename of OUT_DIR>-manifest.tsv (path, category) so findings can be checked against what
was generated. Prints the file count and total bytes.

The generators and start()/write()/uniq()/finish() are importable: bench/gen_monorepo.py
reuses them for its Kubernetes and Helm files. They draw from the module-level `rng`, which
start() reseeds.
"""

import os
import random
import shutil
import sys

rng = random.Random(0)  # reseeded by start()
out = ""
manifest = []  # (relpath, category)
counters = {}


def start(out_dir, seed):
    """Empties OUT_DIR and reseeds `rng`: the same seed gives the same tree."""
    global out
    out = out_dir
    rng.seed(seed)
    manifest.clear()
    counters.clear()
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)


def write(rel, data, category):
    p = os.path.join(out, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.exists(p):
        raise SystemExit(f"generator bug: {rel} written twice")
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(p, mode) as f:
        f.write(data)
    manifest.append((rel, category))


def uniq(rel):
    """Makes a relative path unique by adding -N before the extension."""
    base, ext = os.path.splitext(rel)
    n = counters.get(rel, 0)
    counters[rel] = n + 1
    return rel if n == 0 else f"{base}-{n}{ext}"


# ---------------------------------------------------------------- fixtures
def copy_fixtures(fixture_dirs, total):
    """Copies the fixture directories under fixtures/<name>; returns how many files are left."""
    for d in fixture_dirs:
        if not os.path.isdir(d):
            continue
        base = os.path.basename(os.path.normpath(d))
        for root, dirs, files in os.walk(d):
            dirs.sort()
            for fn in sorted(files):
                src = os.path.join(root, fn)
                rel = os.path.join("fixtures", base, os.path.relpath(src, d))
                with open(src, "rb") as f:
                    write(rel, f.read(), "fixture")
    filler = total - len(manifest)
    if filler < 0:
        raise SystemExit("more fixture files than TOTAL_FILES")
    return filler


def finish(total):
    """Checks the count, writes the manifest beside OUT_DIR and prints the summary."""
    assert len(manifest) == total, (len(manifest), total)
    total_bytes = 0
    for rel, _ in manifest:
        total_bytes += os.path.getsize(os.path.join(out, rel))
    name = os.path.basename(os.path.normpath(out)) + "-manifest.tsv"
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), name), "w") as f:
        for rel, cat in manifest:
            f.write(f"{rel}\t{cat}\n")
    cats = {}
    for _, c in manifest:
        key = c.split(":")[0]
        cats[key] = cats.get(key, 0) + 1
    n_fixtures = cats.get("fixture", 0)
    print(f"files={len(manifest)} bytes={total_bytes} fixtures={n_fixtures}")
    print("by category: " + ", ".join(f"{k}={v}" for k, v in sorted(cats.items())))

# ---------------------------------------------------------------- vocabulary
TEAMS = ["payments", "checkout", "search", "identity", "catalog", "growth", "platform", "data",
         "notifications", "billing", "risk", "logistics", "mobile-bff", "ads", "ml-serving"]
NOUNS = ["api", "worker", "gateway", "scheduler", "indexer", "consumer", "web", "admin",
         "exporter", "sync", "ingest", "router", "auth", "ledger", "renderer", "crawler"]
ADJ = ["order", "user", "cart", "price", "stock", "email", "sms", "invoice", "report", "event",
       "session", "feature", "audit", "media", "geo", "quote"]
ENVS = ["dev", "staging", "prod", "prod-eu", "prod-us"]
LANG_IMAGES = ["ghcr.io/acme/{n}:{v}", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/{n}:{v}",
               "registry.acme.internal/{t}/{n}:{v}", "docker.io/acme/{n}:{v}"]
MEM = ["64Mi", "128Mi", "256Mi", "384Mi", "512Mi", "768Mi", "1Gi", "1536Mi", "2Gi", "4Gi"]
CPU = ["50m", "100m", "200m", "250m", "500m", "1", "2"]


def svc_name():
    return f"{rng.choice(ADJ)}-{rng.choice(NOUNS)}"


def version():
    return f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def image(team, name):
    return rng.choice(LANG_IMAGES).format(n=name, v=version(), t=team)


def labels(name, team, indent):
    pad = " " * indent
    return (f"{pad}app.kubernetes.io/name: {name}\n"
            f"{pad}app.kubernetes.io/part-of: {team}\n"
            f"{pad}app.kubernetes.io/managed-by: kustomize\n")


def env_block(indent, team):
    pad = " " * indent
    out_ = [f"{pad}env:\n"]
    keys = ["LOG_LEVEL", "PORT", "OTEL_EXPORTER_OTLP_ENDPOINT", "DATABASE_URL", "REDIS_URL",
            "FEATURE_FLAGS", "GOMAXPROCS", "JAVA_OPTS", "SENTRY_DSN", "KAFKA_BROKERS"]
    for k in rng.sample(keys, rng.randint(3, 7)):
        if k == "REDIS_URL":
            v = f"redis://{team}-redis-master:6379/0"
        elif k == "DATABASE_URL":
            out_.append(f"{pad}  - name: {k}\n{pad}    valueFrom:\n{pad}      secretKeyRef:\n"
                        f"{pad}        name: {team}-db\n{pad}        key: url\n")
            continue
        elif k == "PORT":
            v = '"8080"'
        elif k == "GOMAXPROCS":
            v = '"2"'
        elif k == "JAVA_OPTS":
            v = '"-XX:MaxRAMPercentage=75"'
        else:
            v = rng.choice(['"info"', '"true"', "http://otel-collector.observability:4317",
                            "kafka-0.kafka:9092,kafka-1.kafka:9092", '"debug"'])
        out_.append(f"{pad}  - name: {k}\n{pad}    value: {v}\n")
    return "".join(out_)


def resources(indent, limit=True, request=True):
    pad = " " * indent
    mem = rng.choice(MEM)
    s = f"{pad}resources:\n"
    if request:
        s += f"{pad}  requests:\n{pad}    cpu: {rng.choice(CPU)}\n{pad}    memory: {mem}\n"
    if limit:
        s += f"{pad}  limits:\n{pad}    memory: {mem}\n"
    return s


def probes(indent):
    pad = " " * indent
    path = rng.choice(["/healthz", "/ready", "/-/health", "/actuator/health"])
    return (f"{pad}readinessProbe:\n{pad}  httpGet:\n{pad}    path: {path}\n{pad}    port: http\n"
            f"{pad}  periodSeconds: 10\n"
            f"{pad}livenessProbe:\n{pad}  httpGet:\n{pad}    path: {path}\n{pad}    port: http\n"
            f"{pad}  initialDelaySeconds: {rng.choice([5, 10, 30])}\n")


def container(name, team, indent, exporter=False):
    pad = " " * indent
    s = (f"{pad}- name: {name}\n"
         f"{pad}  image: {image(team, name)}\n"
         f"{pad}  imagePullPolicy: IfNotPresent\n"
         f"{pad}  ports:\n{pad}    - name: http\n{pad}      containerPort: 8080\n")
    s += env_block(indent + 2, team)
    s += resources(indent + 2, limit=rng.random() < 0.8, request=rng.random() < 0.9)
    if rng.random() < 0.7:
        s += probes(indent + 2)
    s += (f"{pad}  securityContext:\n{pad}    runAsNonRoot: true\n"
          f"{pad}    readOnlyRootFilesystem: true\n{pad}    allowPrivilegeEscalation: false\n")
    if exporter:
        # A Redis exporter sidecar scraping a remote Redis: not a Redis server.
        s += (f"{pad}- name: redis-exporter\n"
              f"{pad}  image: oliver006/redis_exporter:v1.62.0\n"
              f"{pad}  args: [\"--redis.addr=redis://{team}-redis-master:6379\"]\n"
              f"{pad}  resources:\n{pad}    requests: {{cpu: 10m, memory: 32Mi}}\n"
              f"{pad}    limits: {{memory: 64Mi}}\n")
    return s


def workload_doc(kind, name, team, ns):
    exporter = rng.random() < 0.05
    s = (f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
         f"  labels:\n{labels(name, team, 4)}"
         f"spec:\n")
    if kind != "DaemonSet":
        s += f"  replicas: {rng.randint(1, 12)}\n"
    if kind == "StatefulSet":
        s += f"  serviceName: {name}\n"
    s += (f"  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n"
          f"  template:\n    metadata:\n      labels:\n{labels(name, team, 8)}"
          f"      annotations:\n        prometheus.io/scrape: \"true\"\n"
          f"    spec:\n      serviceAccountName: {name}\n"
          f"      terminationGracePeriodSeconds: {rng.choice([30, 60, 120])}\n"
          f"      containers:\n")
    s += container(name, team, 8, exporter)
    if kind == "StatefulSet":
        s += (f"  volumeClaimTemplates:\n    - metadata:\n        name: data\n"
              f"      spec:\n        accessModes: [ReadWriteOnce]\n"
              f"        resources:\n          requests:\n            storage: {rng.choice(['1Gi', '10Gi', '50Gi'])}\n")
    return s


def service_doc(name, team, ns):
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"  labels:\n{labels(name, team, 4)}spec:\n  type: ClusterIP\n"
            f"  selector:\n    app.kubernetes.io/name: {name}\n"
            f"  ports:\n    - name: http\n      port: 80\n      targetPort: http\n")


def configmap_doc(name, team, ns):
    lines = "".join(f"    {k}: {v}\n" for k, v in [
        ("server.port", 8080), ("cache.ttl", f"{rng.randint(10, 3600)}s"),
        ("upstream.timeout", f"{rng.randint(1, 30)}s"), ("tracing.sample", rng.random().__round__(2))])
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\n  namespace: {ns}\n"
            f"data:\n  LOG_FORMAT: json\n  application.properties: |\n{lines}")


def hpa_doc(name, ns):
    return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n"
            f"    name: {name}\n  minReplicas: 2\n  maxReplicas: {rng.randint(4, 40)}\n  metrics:\n"
            f"    - type: Resource\n      resource:\n        name: cpu\n        target:\n"
            f"          type: Utilization\n          averageUtilization: {rng.choice([60, 70, 80])}\n")


def cronjob_doc(name, team, ns):
    return (f"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}-nightly\n  namespace: {ns}\n"
            f"spec:\n  schedule: \"{rng.randint(0, 59)} {rng.randint(0, 23)} * * *\"\n"
            f"  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n"
            f"          containers:\n" + container(name, team, 12))


def k8s_manifest(team):
    name = svc_name()
    ns = f"{team}-{rng.choice(ENVS)}"
    kind = rng.choices(["Deployment", "StatefulSet", "DaemonSet"], [85, 10, 5])[0]
    docs = [workload_doc(kind, name, team, ns)]
    if rng.random() < 0.8:
        docs.append(service_doc(name, team, ns))
    if rng.random() < 0.5:
        docs.append(configmap_doc(name, team, ns))
    if rng.random() < 0.3 and kind == "Deployment":
        docs.append(hpa_doc(name, ns))
    if rng.random() < 0.15:
        docs.append(cronjob_doc(name, team, ns))
    rng.shuffle(docs)
    return name, "---\n".join(docs)


# ---------------------------------------------------------------- Redis StatefulSets
REDIS_IMAGES = ["redis:7.2.5", "docker.io/library/redis:7.4-alpine", "redis:6.2.14",
                "bitnami/redis:7.2.4-debian-12-r9", "valkey/valkey:8.0.1", "redis/redis-stack-server:7.2.0-v10"]
# "limit-only": limits without a requests block (Kubernetes defaults the request to the limit).
REDIS_VARIANTS = ["good", "no-limit", "no-maxmemory", "maxmemory-eq-limit", "low-headroom",
                  "limit-only", "request-below-limit", "configmap-good", "configmap-no-maxmemory"]
LIMITS_MI = [256, 512, 1024, 2048, 4096]


def mi(n):
    return f"{n // 1024}Gi" if n % 1024 == 0 else f"{n}Mi"


def redis_sts(team, variant):
    name = f"{team}-{rng.choice(['cache', 'sessions', 'queue', 'ratelimit', 'redis'])}"
    ns = f"{team}-{rng.choice(ENVS)}"
    lim = rng.choice(LIMITS_MI)
    img = rng.choice(REDIS_IMAGES)
    policy = "noeviction" if "queue" in name else rng.choice(["allkeys-lru", "allkeys-lfu", "volatile-lru"])
    mm = {"good": lim * 8 // 10, "maxmemory-eq-limit": lim, "low-headroom": lim * 95 // 100,
          "limit-only": lim * 8 // 10, "request-below-limit": lim * 8 // 10}.get(variant)
    args = ["--appendonly", "yes", "--maxmemory-policy", policy]
    if mm is not None:
        args = ["--maxmemory", f"{mm}mb"] + args
    cm_variant = variant.startswith("configmap")
    docs = []
    if cm_variant:
        conf = ("    bind 0.0.0.0\n    port 6379\n    protected-mode no\n    appendonly yes\n"
                "    save 900 1\n    save 300 10\n    tcp-keepalive 300\n")
        if variant == "configmap-good":
            conf += f"    maxmemory {lim * 8 // 10}mb\n"
        conf += f"    maxmemory-policy {policy}\n"
        docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-conf\n  namespace: {ns}\n"
                    f"data:\n  redis.conf: |\n{conf}")
    c = (f"        - name: redis\n          image: {img}\n")
    if cm_variant:
        c += ("          command: [\"redis-server\", \"/etc/redis/redis.conf\"]\n"
              "          volumeMounts:\n            - name: conf\n              mountPath: /etc/redis\n"
              "            - name: data\n              mountPath: /data\n")
    else:
        c += f"          command: [\"redis-server\"]\n          args: [{', '.join(repr(a).replace(chr(39), chr(34)) for a in args)}]\n"
        c += "          volumeMounts:\n            - name: data\n              mountPath: /data\n"
    c += "          ports:\n            - name: redis\n              containerPort: 6379\n"
    if variant != "no-limit":
        c += "          resources:\n"
        if variant == "request-below-limit":
            c += f"            requests:\n              cpu: 100m\n              memory: {mi(lim // 2)}\n"
        elif variant != "limit-only":
            c += f"            requests:\n              cpu: 100m\n              memory: {mi(lim)}\n"
        c += f"            limits:\n              memory: {mi(lim)}\n"
    else:
        c += "          resources:\n            requests:\n              cpu: 100m\n"
    c += ("          readinessProbe:\n            exec:\n              command: [\"redis-cli\", \"ping\"]\n"
          "            periodSeconds: 5\n")
    if rng.random() < 0.4:
        c += ("        - name: metrics\n          image: oliver006/redis_exporter:v1.62.0\n"
              "          ports:\n            - name: metrics\n              containerPort: 9121\n"
              "          resources:\n            requests: {cpu: 10m, memory: 32Mi}\n"
              "            limits: {memory: 64Mi}\n")
    vols = "      volumes:\n"
    if cm_variant:
        vols += f"        - name: conf\n          configMap:\n            name: {name}-conf\n"
    else:
        vols = ""
    docs.append(f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
                f"  labels:\n    app.kubernetes.io/name: redis\n    app.kubernetes.io/instance: {name}\n"
                f"spec:\n  serviceName: {name}\n  replicas: 1\n  selector:\n    matchLabels:\n"
                f"      app.kubernetes.io/instance: {name}\n  template:\n    metadata:\n      labels:\n"
                f"        app.kubernetes.io/name: redis\n        app.kubernetes.io/instance: {name}\n"
                f"    spec:\n      securityContext:\n        fsGroup: 1001\n      containers:\n{c}{vols}"
                f"  volumeClaimTemplates:\n    - metadata:\n        name: data\n      spec:\n"
                f"        accessModes: [ReadWriteOnce]\n        resources:\n          requests:\n"
                f"            storage: 8Gi\n")
    docs.append(f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
                f"  clusterIP: None\n  selector:\n    app.kubernetes.io/instance: {name}\n"
                f"  ports:\n    - name: redis\n      port: 6379\n      targetPort: redis\n")
    return name, "---\n".join(docs)


# ---------------------------------------------------------------- Helm
CHART_VERSIONS = ["17.11.3", "18.19.4", "19.6.4", "20.1.7", "20.6.2"]
HELM_VARIANTS = ["good", "no-maxmemory", "no-resources", "umbrella-good", "umbrella-no-resources",
                 "umbrella-disabled", "app-chart"]


def bitnami_values(variant, indent=0):
    pad = " " * indent
    lim = rng.choice(LIMITS_MI)
    arch = rng.choice(["standalone", "replication"])
    s = (f"{pad}architecture: {arch}\n{pad}auth:\n{pad}  enabled: true\n"
         f"{pad}  existingSecret: redis-auth\n{pad}  existingSecretPasswordKey: password\n")
    if variant in ("good", "umbrella-good"):
        s += (f"{pad}commonConfiguration: |-\n{pad}  appendonly yes\n{pad}  save \"\"\n"
              f"{pad}  maxmemory {lim * 8 // 10}mb\n{pad}  maxmemory-policy allkeys-lru\n")
    elif variant == "no-maxmemory":
        s += (f"{pad}commonConfiguration: |-\n{pad}  appendonly yes\n{pad}  save \"\"\n")
    for role in (["master", "replica"] if arch == "replication" else ["master"]):
        s += f"{pad}{role}:\n"
        if role == "replica":
            s += f"{pad}  replicaCount: {rng.randint(1, 3)}\n"
        s += f"{pad}  persistence:\n{pad}    enabled: true\n{pad}    size: {rng.choice(['8Gi', '20Gi'])}\n"
        if variant not in ("no-resources", "umbrella-no-resources"):
            s += (f"{pad}  resources:\n{pad}    requests:\n{pad}      cpu: 100m\n{pad}      memory: {mi(lim)}\n"
                  f"{pad}    limits:\n{pad}      memory: {mi(lim)}\n")
        s += f"{pad}  podSecurityContext:\n{pad}    enabled: true\n{pad}    fsGroup: 1001\n"
    s += f"{pad}metrics:\n{pad}  enabled: {rng.choice(['true', 'false'])}\n"
    return s


def app_values(team, name, redis_disabled):
    s = (f"replicaCount: {rng.randint(1, 6)}\nimage:\n  repository: {image(team, name).rsplit(':', 1)[0]}\n"
         f"  tag: \"{version()}\"\n  pullPolicy: IfNotPresent\nserviceAccount:\n  create: true\n"
         f"service:\n  type: ClusterIP\n  port: 80\ningress:\n  enabled: {rng.choice(['true', 'false'])}\n"
         f"  className: nginx\n  hosts:\n    - host: {name}.acme.example\n      paths:\n        - path: /\n"
         f"          pathType: Prefix\n")
    s += resources(0)
    s += (f"autoscaling:\n  enabled: false\n  minReplicas: 1\n  maxReplicas: 10\n"
          f"nodeSelector: {{}}\ntolerations: []\naffinity: {{}}\n")
    if redis_disabled:
        s += ("redis:\n  enabled: false\nexternalRedis:\n"
              f"  host: {team}-redis-master.{team}.svc\n  port: 6379\n  existingSecret: {team}-redis\n")
    return s


def chart_yaml(name, deps):
    s = (f"apiVersion: v2\nname: {name}\ndescription: A Helm chart for {name}\ntype: application\n"
         f"version: {version()}\nappVersion: \"{version()}\"\n")
    if deps:
        s += "dependencies:\n" + "".join(
            f"  - name: redis\n    version: {v}\n    repository: oci://registry-1.docker.io/bitnamicharts\n"
            f"    condition: redis.enabled\n" for v in deps)
    return s


def template_deployment():
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n"
            "  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n"
            "  {{- if not .Values.autoscaling.enabled }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n"
            "  selector:\n    matchLabels:\n      {{- include \"app.selectorLabels\" . | nindent 6 }}\n"
            "  template:\n    metadata:\n      labels:\n        {{- include \"app.selectorLabels\" . | nindent 8 }}\n"
            "    spec:\n      containers:\n        - name: {{ .Chart.Name }}\n"
            "          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n"
            "          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n")


def template_service():
    return ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nspec:\n"
            "  type: {{ .Values.service.type }}\n  ports:\n    - port: {{ .Values.service.port }}\n"
            "      targetPort: http\n  selector:\n    {{- include \"app.selectorLabels\" . | nindent 4 }}\n")


# ---------------------------------------------------------------- redis.conf / other conf
def redis_conf(with_mm):
    lines = ["# Redis configuration file", "bind 0.0.0.0 -::1", "protected-mode yes", "port 6379",
             "tcp-backlog 511", "timeout 0", "tcp-keepalive 300", "daemonize no", "loglevel notice",
             'logfile ""', "databases 16", "save 3600 1 300 100 60 10000", "stop-writes-on-bgsave-error yes",
             "rdbcompression yes", "dbfilename dump.rdb", "dir /data", "replica-read-only yes",
             "appendonly " + rng.choice(["yes", "no"]), "appendfsync everysec",
             "lazyfree-lazy-eviction " + rng.choice(["yes", "no"]), "slowlog-log-slower-than 10000",
             "latency-monitor-threshold 0", "activedefrag " + rng.choice(["yes", "no"])]
    if with_mm:
        lines.insert(rng.randint(8, len(lines)), f"maxmemory {rng.choice(['100mb', '512mb', '1gb', '2gb', '800mb'])}")
        lines.insert(rng.randint(8, len(lines)), f"maxmemory-policy {rng.choice(['allkeys-lru', 'volatile-ttl', 'noeviction'])}")
    body = []
    for ln in lines:
        if rng.random() < 0.3:
            body.append("#")
            body.append(f"# {rng.choice(['See the documentation', 'Tuned for production', 'Do not change without review'])}.")
        body.append(ln)
    return "\n".join(body) + "\n"


def nginx_conf():
    return ("worker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n  server {\n"
            f"    listen 80;\n    server_name {svc_name()}.acme.example;\n    location / {{\n"
            "      proxy_pass http://127.0.0.1:8080;\n      proxy_set_header Host $host;\n    }\n  }\n}\n")


# ---------------------------------------------------------------- unrelated files
WORDS = ("the of service request cache latency deploy rollout metric queue worker config user "
         "payment retry timeout shard replica token session stream batch schema index").split()


def prose(n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def readme(name):
    s = f"# {name}\n\n{prose(40)}.\n\n## Running locally\n\n```sh\nmake run\n```\n\n"
    for i in range(rng.randint(2, 8)):
        s += f"## {prose(3).title()}\n\n{prose(rng.randint(30, 120))}.\n\n"
    return s


def py_file():
    s = '"""' + prose(12) + '."""\n\nimport json\nimport logging\nimport os\n\nlog = logging.getLogger(__name__)\n\n'
    for i in range(rng.randint(3, 12)):
        fn = "_".join(rng.sample(WORDS, 2))
        s += (f"\ndef {fn}_{i}(payload, retries=3):\n    \"\"\"{prose(8)}.\"\"\"\n"
              f"    for attempt in range(retries):\n        try:\n"
              f"            return json.loads(payload)['{rng.choice(WORDS)}']\n"
              f"        except (KeyError, ValueError) as exc:\n"
              f"            log.warning('attempt %d failed: %s', attempt, exc)\n    return None\n")
    return s


def js_file():
    s = "'use strict';\n\nconst express = require('express');\nconst router = express.Router();\n\n"
    for i in range(rng.randint(3, 12)):
        w = rng.choice(WORDS)
        s += (f"router.get('/{w}/:id', async (req, res) => {{\n  const item = await req.app.locals.db.find('{w}', req.params.id);\n"
              f"  if (!item) return res.status(404).json({{ error: '{w} not found' }});\n  res.json(item);\n}});\n\n")
    return s + "module.exports = router;\n"


def json_file(name):
    deps = ", ".join(f'"{rng.choice(WORDS)}-{i}": "^{version()}"' for i in range(rng.randint(3, 15)))
    return (f'{{\n  "name": "@acme/{name}",\n  "version": "{version()}",\n  "private": true,\n'
            f'  "scripts": {{"test": "jest", "build": "tsc -p ."}},\n  "dependencies": {{{deps}}}\n}}\n')


def txt_file():
    return "\n".join(prose(rng.randint(5, 15)) for _ in range(rng.randint(5, 60))) + "\n"


def png_file():
    return b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(2000, 40000))


def compose_file(team):
    mm = rng.random() < 0.5
    cmd = f"redis-server --maxmemory 256mb --maxmemory-policy allkeys-lru" if mm else "redis-server --appendonly yes"
    return (f"services:\n  app:\n    build: .\n    ports: [\"8080:8080\"]\n    environment:\n"
            f"      REDIS_URL: redis://redis:6379\n    depends_on: [redis]\n"
            f"  redis:\n    image: redis:7.2\n    command: {cmd}\n    ports: [\"6379:6379\"]\n")


def openapi_file(name):
    s = f"openapi: 3.0.3\ninfo:\n  title: {name}\n  version: {version()}\npaths:\n"
    for i in range(rng.randint(3, 15)):
        w = rng.choice(WORDS)
        s += (f"  /{w}/{i}:\n    get:\n      summary: {prose(5)}\n      responses:\n"
              f"        \"200\":\n          description: OK\n          content:\n            application/json:\n"
              f"              schema:\n                type: object\n")
    return s


UNRELATED_KINDS = ["md", "py", "js", "json", "txt", "png"]
UNRELATED_WEIGHTS = [12, 30, 25, 10, 10, 13]


def write_unrelated(d, base, k):
    """One unrelated file of kind `k` in directory `base` of service directory `d`."""
    if k == "md":
        write(uniq(f"{base}/README.md"), readme(os.path.basename(d)), "unrelated")
    elif k == "py":
        write(uniq(f"{base}/{rng.choice(WORDS)}_{rng.choice(WORDS)}.py"), py_file(), "unrelated")
    elif k == "js":
        write(uniq(f"{base}/{rng.choice(WORDS)}.js"), js_file(), "unrelated")
    elif k == "json":
        write(uniq(f"{base}/package.json"), json_file(os.path.basename(d)), "unrelated")
    elif k == "txt":
        write(uniq(f"{base}/{rng.choice(WORDS)}.txt"), txt_file(), "unrelated")
    else:
        write(uniq(f"{base}/{rng.choice(WORDS)}.png"), png_file(), "unrelated")


def service_dir():
    team = rng.choice(TEAMS)
    return team, f"services/{team}/{svc_name()}"


# ---------------------------------------------------------------- plan
def main(argv):
    out_dir, total, seed = argv[0], int(argv[1]), int(argv[2])
    start(out_dir, seed)
    filler = copy_fixtures(argv[3:], total)
    n_fixtures = len(manifest)
    # Fractions of the filler; "unrelated" takes the remainder.
    n_redis = round(filler * 0.05)
    n_k8s = round(filler * 0.38)
    n_charts_redis = round(filler * 0.012)   # each: Chart.yaml + values.yaml (+ README.md)
    n_charts_app = round(filler * 0.012)     # each: Chart.yaml + values.yaml + 2 templates
    n_conf = round(filler * 0.02)
    n_nginx = round(filler * 0.003)
    n_compose = round(filler * 0.005)
    n_openapi = round(filler * 0.005)

    for i in range(n_k8s):
        team, d = service_dir()
        name, text = k8s_manifest(team)
        sub = rng.choice(["deploy", "k8s", "deploy/base", f"deploy/overlays/{rng.choice(ENVS)}", "manifests"])
        write(uniq(f"{d}/{sub}/{name}.yaml"), text, "k8s")

    for i in range(n_redis):
        team = rng.choice(TEAMS)
        variant = REDIS_VARIANTS[i % len(REDIS_VARIANTS)]
        name, text = redis_sts(team, variant)
        d = rng.choice([f"infra/redis/{team}", f"services/{team}/redis/deploy", f"platform/data-stores/{team}"])
        write(uniq(f"{d}/{name}.yaml"), text, f"redis-sts:{variant}")

    for i in range(n_charts_redis):
        team = rng.choice(TEAMS)
        variant = HELM_VARIANTS[i % 6]
        role_word = rng.choice(['cache', 'sessions', 'queue', 'store'])
        if variant.startswith("umbrella"):
            d = uniq(f"charts/{team}-{role_word}")
            ver = rng.choice(CHART_VERSIONS)
            write(f"{d}/Chart.yaml", chart_yaml(os.path.basename(d), [ver]), "chart")
            if variant == "umbrella-disabled":
                write(f"{d}/values.yaml", app_values(team, os.path.basename(d), True), "helm:umbrella-disabled")
            else:
                vals = app_values(team, os.path.basename(d), False) + "redis:\n  enabled: true\n" + bitnami_values(variant, 2)
                write(f"{d}/values.yaml", vals, f"helm:{variant}")
        else:
            # Values for `helm install bitnami/redis -f ...`: no Chart.yaml, chart version unknown.
            vd = uniq(f"deploy/helm/{team}-{role_word}")
            fn = rng.choice(["values.yaml", f"values-{rng.choice(ENVS)}.yaml", "redis-values.yaml"])
            write(f"{vd}/{fn}", bitnami_values(variant), f"helm:{variant}")

    for i in range(n_charts_app):
        team, _ = service_dir()
        name = svc_name()
        d = uniq(f"charts/{team}-{name}")
        write(f"{d}/Chart.yaml", chart_yaml(os.path.basename(d), []), "chart")
        write(f"{d}/values.yaml", app_values(team, name, rng.random() < 0.3), "helm:app-chart")
        write(f"{d}/templates/deployment.yaml", template_deployment(), "helm-template")
        write(f"{d}/templates/service.yaml", template_service(), "helm-template")

    for i in range(n_conf):
        with_mm = i % 2 == 0
        team = rng.choice(TEAMS)
        d = rng.choice([f"config/redis/{team}", f"services/{team}/redis", f"infra/redis/{team}/conf"])
        fn = rng.choice(["redis.conf", f"redis-{rng.choice(ENVS)}.conf", "valkey.conf"])
        write(uniq(f"{d}/{fn}"), redis_conf(with_mm), "redis-conf:" + ("maxmemory" if with_mm else "no-maxmemory"))

    for i in range(n_nginx):
        team, d = service_dir()
        write(uniq(f"{d}/nginx/nginx.conf"), nginx_conf(), "nginx-conf")

    for i in range(n_compose):
        team, d = service_dir()
        write(uniq(f"{d}/docker-compose.yml"), compose_file(team), "compose")

    for i in range(n_openapi):
        team, d = service_dir()
        write(uniq(f"{d}/api/openapi.yaml"), openapi_file(os.path.basename(d)), "openapi")

    remaining = filler - (len(manifest) - n_fixtures)
    for i in range(remaining):
        team, d = service_dir()
        k = rng.choices(UNRELATED_KINDS, UNRELATED_WEIGHTS)[0]
        sub = rng.choice(["", "src", "src/lib", "src/handlers", "tests", "docs", "assets", "scripts"])
        write_unrelated(d, f"{d}/{sub}".rstrip("/"), k)

    finish(total)


if __name__ == "__main__":
    main(sys.argv[1:])
