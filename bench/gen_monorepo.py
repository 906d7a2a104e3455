#!/usr/bin/env python3
"""Deterministic generator of a mixed-language monorepo for bench/lint-vs-checkov.sh
(BENCH_TREE=monorepo).

Usage: gen_monorepo.py OUT_DIR TOTAL_FILES SEED [FIXTURE_DIR...]

Copies the fixture directories in (under OUT_DIR/fixtures/<name>), then fills the tree up to
exactly TOTAL_FILES files with:
  - Rails apps (apps/<name>): models, controllers, views, specs, migrations, Gemfile(.lock),
    config/initializers/sidekiq.rb, config/environments/production.rb with a cache_store,
    app/workers/*_worker.rb with sidekiq_options, and vendor/bundle gems;
  - Python projects (py/<name>): Django settings.py with CACHES, Celery celery.py, RQ tasks.py,
    many plain modules (models, views, serializers, tests), requirements.txt, poetry.lock;
  - Node/TS services (web/<name>): express + connect-redis server.js, BullMQ src/queues.ts, many
    plain .ts and React .tsx files, package.json, lockfiles, minified dist/*.min.js and
    dist/vendor.js bundles, a generated dist/bundle.js over 1 MiB, and node_modules;
  - Kubernetes manifests, Redis StatefulSets, Helm charts and values and redis.conf files from
    bench/gen_tree.py's generators (deploy/, infra/, charts/);
  - unrelated files: docs, images, JSON, lockfiles.
Each application key file is bad (a fixture's reported snippet from testdata/app), good (the
same keywords, correctly set) or plain. The manifest category says which: app-bad:<rule>,
app-good:<kind>, app-plain, dependency (under node_modules/ or vendor/), ...
Writes OUT_DIR/../<basename of OUT_DIR>-manifest.tsv and prints the counts.
"""

import os
import sys

sys.dont_write_bytecode = True  # no bench/__pycache__ from importing gen_tree
import gen_tree as g  # noqa: E402
from gen_tree import ENVS, TEAMS, WORDS, rng, uniq, write  # noqa: E402

P_BAD = 0.3  # chance that a project's key file (settings, initializer, server...) is bad
P_BAD_JOB = 0.15  # chance that one of its many job or queue files is bad

# The queue libraries' entries in each project's lockfile, in the versions the snippets are
# written for (Sidekiq 7 configuration, connect-redis 8 named export, BullMQ 5, Celery 5).
GEMFILE_LOCK_QUEUE = ("    connection_pool (2.4.1)\n    redis-client (0.22.2)\n      connection_pool\n"
                      "    sidekiq (7.2.4)\n      concurrent-ruby (< 2)\n      connection_pool (>= 2.3.0)\n"
                      "      rack (>= 2.2.4)\n      redis-client (>= 0.19.0)\n")
POETRY_LOCK_QUEUE = "".join(f"[[package]]\nname = \"{n}\"\nversion = \"{v}\"\n\n" for n, v in
                            [("celery", "5.4.0"), ("django-redis", "5.4.0"), ("redis", "5.0.8"), ("rq", "1.16.2")])
NPM_LOCK_QUEUE = "".join(f"    \"node_modules/{n}\": {{\"version\": \"{v}\"}},\n" for n, v in
                         [("bullmq", "5.12.0"), ("connect-redis", "8.0.1"), ("express-session", "1.18.0"),
                          ("ioredis", "5.4.1"), ("redis", "4.7.0")])


def words(n, sep="_"):
    return sep.join(rng.choice(WORDS) for _ in range(n))


def camel(n):
    return "".join(w.title() for w in rng.sample(WORDS, n))


def pick_bad():
    return rng.random() < P_BAD


# ---------------------------------------------------------------- Ruby / Rails
def rb_model(name):
    s = f"class {name} < ApplicationRecord\n"
    for _ in range(rng.randint(1, 4)):
        s += f"  belongs_to :{rng.choice(WORDS)}, optional: true\n"
    s += f"  validates :{rng.choice(WORDS)}, presence: true\n\n"
    for i in range(rng.randint(2, 8)):
        s += (f"  def {words(2)}_{i}\n    return nil unless {rng.choice(WORDS)}?\n"
              f"    {rng.choice(WORDS)}s.where(state: :{rng.choice(WORDS)}).order(created_at: :desc).limit({rng.randint(5, 100)})\n"
              f"  end\n\n")
    return s + "end\n"


def rb_controller(name):
    s = f"class {name}Controller < ApplicationController\n  before_action :authenticate_user!\n\n"
    for action in rng.sample(["index", "show", "create", "update", "destroy", "new", "edit"], rng.randint(2, 6)):
        s += (f"  def {action}\n    @record = {name}.find_by(id: params[:id])\n"
              f"    render json: @record, status: :ok\n  end\n\n")
    return s + "end\n"


def rb_spec(name):
    s = f"require \"rails_helper\"\n\nRSpec.describe {name}, type: :model do\n"
    for _ in range(rng.randint(2, 8)):
        s += f"  it \"{words(5, ' ')}\" do\n    expect(build(:{name.lower()})).to be_valid\n  end\n\n"
    return s + "end\n"


def rb_migration(name):
    return (f"class Create{name}s < ActiveRecord::Migration[7.1]\n  def change\n    create_table :{name.lower()}s do |t|\n"
            + "".join(f"      t.string :{w}\n" for w in rng.sample(WORDS, rng.randint(2, 6)))
            + "      t.timestamps\n    end\n  end\nend\n")


def erb_view(name):
    return (f"<h1>{name}</h1>\n<% @records.each do |r| %>\n  <div class=\"{rng.choice(WORDS)}\"><%= r.{rng.choice(WORDS)} %></div>\n"
            "<% end %>\n")


def sidekiq_initializer(bad):
    s = ("# Sidekiq server and client settings.\nSidekiq.configure_server do |config|\n"
         "  config.redis = { url: ENV.fetch(\"REDIS_URL\"), network_timeout: 5 }\n"
         f"  config.concurrency = {rng.choice([5, 10, 20])}\n")
    if bad == "sidekiq-option-unknown":
        s += "  config[:dead_timeout] = 30 * 24 * 60 * 60\n"
    elif bad == "sidekiq-retry-count-high":
        s += "  config[:max_retries] = 40\n"
    elif bad == "sidekiq-dead-limit-raised":
        s += "  config[:dead_timeout_in_seconds] = 2.years\n"
    elif bad == "sidekiq-options-api-removed":
        s += "  config.options[:dead_max_jobs] = 5_000\n"
    else:
        s += ("  config[:dead_timeout_in_seconds] = 30 * 24 * 60 * 60\n  config[:max_retries] = 10\n"
              "  config.capsule(\"single\") do |cap|\n    cap.concurrency = 1\n  end\n")
    s += ("end\n\nSidekiq.configure_client do |config|\n"
          "  config.redis = { url: ENV.fetch(\"REDIS_URL\"), network_timeout: 5 }\nend\n")
    return s


def production_rb(bad):
    if bad == "rails-session-store-without-expiry":
        cache = "  config.cache_store = :redis_cache_store, { url: ENV[\"REDIS_URL\"], expires_in: 1.day }\n"
        sess = "  config.session_store :redis_session_store, key: \"_app_session\", redis: { url: ENV[\"REDIS_SESSION_URL\"] }\n"
    elif bad == "rails-cache-store-without-expiry":
        cache = "  config.cache_store = :redis_cache_store, { url: ENV[\"REDIS_URL\"], namespace: \"cache\" }\n"
        sess = ""
    else:
        cache = (f"  config.cache_store = :redis_cache_store, {{ url: ENV[\"REDIS_URL\"], "
                 f"expires_in: {rng.choice(['1.day', '12.hours', '30.minutes'])} }}\n")
        sess = "  config.session_store :cache_store, key: \"_app_session\", expire_after: 2.weeks\n"
    return ("require \"active_support/core_ext/integer/time\"\n\nRails.application.configure do\n"
            "  config.enable_reloading = false\n  config.eager_load = true\n"
            "  config.consider_all_requests_local = false\n  config.force_ssl = true\n"
            "  config.log_level = ENV.fetch(\"RAILS_LOG_LEVEL\", \"info\")\n"
            + cache + sess +
            "  config.active_job.queue_adapter = :sidekiq\n  config.i18n.fallbacks = true\nend\n")


def worker_rb(name, bad):
    opts = {"sidekiq-retry-count-high": f"queue: \"sync\", retry: {rng.choice([30, 50, 99])}"}.get(bad) or \
        rng.choice(["retry: 5, queue: \"low\"", "retry: true", "retry: false", "retry: 25", "queue: \"default\""])
    return (f"class {name}Worker\n  include Sidekiq::Job\n  sidekiq_options {opts}\n\n"
            f"  def perform(id)\n    record = {name}.find(id)\n    record.{words(2)}!\n  end\nend\n")


def vendor_gem():
    """A vendored gem file: Sidekiq's own source mentions every keyword, and is never walked."""
    return (f"# frozen_string_literal: true\n\nmodule Sidekiq\n  class {camel(2)}\n"
            "    def initialize(config)\n      config[:dead_timeout] = 30 * 24 * 60 * 60\n"
            "      @options = config.options\n    end\n  end\nend\n")


def rails_app(budget):
    name = f"{rng.choice(g.ADJ)}-{rng.choice(['store', 'admin', 'portal', 'billing', 'crm'])}"
    d = uniq(f"apps/{name}")
    n0 = len(g.manifest)
    write(f"{d}/Gemfile", "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 7.1\"\ngem \"sidekiq\", \"~> 7.2\"\ngem \"redis\"\n", "unrelated")
    write(f"{d}/Gemfile.lock", "GEM\n  remote: https://rubygems.org/\n  specs:\n" + GEMFILE_LOCK_QUEUE +
          "".join(f"    {w}-{i} ({g.version()})\n" for i, w in enumerate(rng.choices(WORDS, k=rng.randint(80, 300)))),
          "unrelated")
    write(f"{d}/config/database.yml", "production:\n  adapter: postgresql\n  url: <%= ENV[\"DATABASE_URL\"] %>\n", "unrelated")
    write(f"{d}/config/sidekiq.yml", ":concurrency: 10\n:queues:\n  - critical\n  - default\n  - low\n", "unrelated")
    bad = rng.choice(["sidekiq-option-unknown", "sidekiq-retry-count-high", "sidekiq-dead-limit-raised",
                      "sidekiq-options-api-removed"]) if pick_bad() else None
    write(f"{d}/config/initializers/sidekiq.rb", sidekiq_initializer(bad), f"app-bad:{bad}" if bad else "app-good:sidekiq-initializer")
    bad = rng.choice(["rails-cache-store-without-expiry", "rails-session-store-without-expiry"]) if pick_bad() else None
    write(f"{d}/config/environments/production.rb", production_rb(bad), f"app-bad:{bad}" if bad else "app-good:rails-production")
    for env in ("development", "test"):
        write(f"{d}/config/environments/{env}.rb",
              "Rails.application.configure do\n  config.cache_store = :memory_store\n  config.eager_load = false\nend\n", "app-plain")
    write(f"{d}/config/routes.rb", "Rails.application.routes.draw do\n  resources :orders\n  resources :users\nend\n", "app-plain")
    for i in range(rng.randint(15, 50)):  # vendor/bundle: a dependency directory
        gem = rng.choice(["sidekiq-7.2.4", "redis-client-0.22.2", "connection_pool-2.4.1", "rack-3.0.9"])
        write(uniq(f"{d}/vendor/bundle/ruby/3.3.0/gems/{gem}/lib/{gem.split('-')[0]}/{rng.choice(WORDS)}.rb"),
              vendor_gem(), "dependency")
    while len(g.manifest) - n0 < budget:
        model = camel(2)
        k = rng.choices(["model", "controller", "worker", "spec", "migration", "view", "png", "md"],
                        [30, 20, 8, 20, 8, 10, 2, 2])[0]
        if k == "model":
            write(uniq(f"{d}/app/models/{model.lower()}.rb"), rb_model(model), "app-plain")
        elif k == "controller":
            write(uniq(f"{d}/app/controllers/{model.lower()}_controller.rb"), rb_controller(model), "app-plain")
        elif k == "worker":
            bad = "sidekiq-retry-count-high" if rng.random() < P_BAD_JOB else None
            write(uniq(f"{d}/app/workers/{model.lower()}_worker.rb"), worker_rb(model, bad),
                  f"app-bad:{bad}" if bad else "app-good:sidekiq-worker")
        elif k == "spec":
            write(uniq(f"{d}/spec/models/{model.lower()}_spec.rb"), rb_spec(model), "app-plain")
        elif k == "migration":
            write(uniq(f"{d}/db/migrate/2024{rng.randint(10**9, 10**10 - 1)}_create_{model.lower()}s.rb"),
                  rb_migration(model), "app-plain")
        elif k == "view":
            write(uniq(f"{d}/app/views/{model.lower()}/index.html.erb"), erb_view(model), "unrelated")
        elif k == "png":
            write(uniq(f"{d}/app/assets/images/{rng.choice(WORDS)}.png"), g.png_file(), "unrelated")
        else:
            write(uniq(f"{d}/docs/{rng.choice(WORDS)}.md"), g.readme(name), "unrelated")


# ---------------------------------------------------------------- Python / Django, Celery, RQ
def django_settings(bad):
    backend = "django_redis.cache.RedisCache"
    if bad == "django-redis-cache-timeout-none":
        timeout = '        "TIMEOUT": None,\n'
        opts = ""
    elif bad == "django-redis-cache-max-entries":
        # Django's own RedisCache hands OPTIONS to redis-py (the rule's example).
        backend = "django.core.cache.backends.redis.RedisCache"
        timeout = ""
        opts = '        "OPTIONS": {"MAX_ENTRIES": 5000},\n'
    else:
        timeout = f'        "TIMEOUT": {rng.choice([300, 600, 3600, 86400])},\n'
        opts = '        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},\n'
    return ('"""Django settings."""\nimport os\nfrom pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n'
            'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nDEBUG = False\nALLOWED_HOSTS = ["*"]\n\n'
            'INSTALLED_APPS = [\n    "django.contrib.admin",\n    "django.contrib.auth",\n    "django.contrib.contenttypes",\n'
            '    "django.contrib.sessions",\n    "rest_framework",\n]\n\n'
            'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ.get("DB_NAME", "app")}}\n\n'
            'CACHES = {\n    "default": {\n        "BACKEND": "' + backend + '",\n'
            '        "LOCATION": os.environ["REDIS_URL"],\n' + timeout + opts + '    },\n'
            '    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": None},\n}\n'
            'SESSION_ENGINE = "django.contrib.sessions.backends.cache"\n\n'
            'CELERY_BROKER_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")\n'
            'LANGUAGE_CODE = "en-us"\nTIME_ZONE = "UTC"\nUSE_TZ = True\nSTATIC_URL = "static/"\n')


def celery_py(project, bad):
    expires = "None" if bad else rng.choice(["3600", "86400", "timedelta(hours=6)"])
    return (f'"""Celery app for {project}."""\nimport os\nfrom datetime import timedelta\n\nfrom celery import Celery\n\n'
            f'app = Celery("{project}", broker=os.environ["REDIS_URL"], backend="redis://redis:6379/1")\n'
            f'app.conf.update(\n    result_expires={expires},\n    task_serializer="json",\n    task_acks_late=True,\n)\n'
            'app.autodiscover_tasks()\n')


def rq_tasks(bad):
    ttl = "-1" if bad else rng.choice(["500", "3600", "0"])
    s = ('"""Background jobs."""\nimport os\n\nfrom redis import Redis\nfrom rq import Queue\n\nfrom .mail import send_mail\n\n'
         'redis = Redis.from_url(os.environ["REDIS_URL"])\nq = Queue("default", connection=redis)\n\n\n'
         'def schedule_mail(user_id):\n')
    s += f'    return q.enqueue(send_mail, user_id, result_ttl={ttl}, failure_ttl=86400)\n'
    return s


def py_module(kind):
    name = camel(2)
    if kind == "models":
        s = "from django.db import models\n\n\n"
        for _ in range(rng.randint(1, 5)):
            s += f"class {camel(2)}(models.Model):\n" + "".join(
                f"    {w} = models.CharField(max_length={rng.choice([32, 64, 255])})\n" for w in rng.sample(WORDS, rng.randint(2, 7))) + "\n\n"
        return s
    if kind == "views":
        return ("from rest_framework import viewsets\n\nfrom .models import *  # noqa\n\n\n"
                + "".join(f"class {camel(2)}ViewSet(viewsets.ModelViewSet):\n    queryset = {name}.objects.all()\n"
                          f"    lookup_field = \"{rng.choice(WORDS)}\"\n\n\n" for _ in range(rng.randint(1, 4))))
    if kind == "test":
        return ("import pytest\n\n\n" + "".join(f"def test_{words(3)}_{i}(client):\n    assert client.get('/{rng.choice(WORDS)}/').status_code == 200\n\n\n"
                                                 for i in range(rng.randint(2, 10))))
    return g.py_file()


def python_project(budget):
    project = f"{rng.choice(g.ADJ)}_{rng.choice(['api', 'etl', 'worker', 'web', 'ml'])}"
    d = uniq(f"py/{project}")
    n0 = len(g.manifest)
    write(f"{d}/requirements.txt", "django==5.0.6\ndjango-redis==5.4.0\ncelery[redis]==5.4.0\nrq==1.16.2\n", "unrelated")
    write(f"{d}/poetry.lock", POETRY_LOCK_QUEUE + "".join(f"[[package]]\nname = \"{w}-{i}\"\nversion = \"{g.version()}\"\n\n"
                                       for i, w in enumerate(rng.choices(WORDS, k=rng.randint(50, 200)))), "unrelated")
    write(f"{d}/docker-compose.yml", g.compose_file(project), "compose")
    bad = rng.choice(["django-redis-cache-timeout-none", "django-redis-cache-max-entries"]) if pick_bad() else None
    write(f"{d}/{project}/settings.py", django_settings(bad), f"app-bad:{bad}" if bad else "app-good:django-settings")
    bad = pick_bad()
    write(f"{d}/{project}/celery.py", celery_py(project, bad),
          "app-bad:celery-result-expires-disabled" if bad else "app-good:celery")
    bad = pick_bad()
    write(f"{d}/{project}/tasks.py", rq_tasks(bad), "app-bad:rq-result-ttl-negative" if bad else "app-good:rq")
    while len(g.manifest) - n0 < budget:
        app = rng.choice(WORDS)
        k = rng.choices(["models", "views", "test", "module", "jobs", "md", "json"], [20, 20, 20, 30, 8, 3, 2])[0]
        if k == "jobs":
            bad = rng.random() < P_BAD_JOB
            write(uniq(f"{d}/{project}/{app}/jobs.py"), rq_tasks(bad), "app-bad:rq-result-ttl-negative" if bad else "app-good:rq")
        elif k in ("models", "views"):
            write(uniq(f"{d}/{project}/{app}/{k}.py"), py_module(k), "app-plain")
        elif k == "test":
            write(uniq(f"{d}/tests/{app}/test_{rng.choice(WORDS)}.py"), py_module(k), "app-plain")
        elif k == "module":
            write(uniq(f"{d}/{project}/{app}/{words(2)}.py"), py_module(k), "app-plain")
        elif k == "md":
            write(uniq(f"{d}/docs/{app}.md"), g.readme(project), "unrelated")
        else:
            write(uniq(f"{d}/fixtures/{app}.json"), g.json_file(app), "unrelated")


# ---------------------------------------------------------------- Node / TypeScript
def server_js(bad):
    store = "new RedisStore({ client, disableTTL: true })" if bad else \
        f"new RedisStore({{ client, prefix: \"sess:\", ttl: {rng.choice([3600, 86400, 7 * 86400])} }})"
    return ("'use strict';\n\nconst express = require(\"express\");\nconst session = require(\"express-session\");\n"
            "const { RedisStore } = require(\"connect-redis\");\nconst { createClient } = require(\"redis\");\n\n"
            "const client = createClient({ url: process.env.REDIS_URL });\nclient.connect().catch(console.error);\n\n"
            "const app = express();\napp.use(express.json());\n"
            f"app.use(session({{ store: {store}, secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }}));\n\n"
            "app.get(\"/healthz\", (req, res) => res.send(\"ok\"));\napp.listen(process.env.PORT || 8080);\n")


def queues_ts(bad):
    opts = "{ connection }" if bad else \
        f"{{ connection, defaultJobOptions: {{ removeOnComplete: {rng.choice(['true', '1000'])}, removeOnFail: {{ age: 86400 }} }} }}"
    return ("import { Queue, Worker } from \"bullmq\";\nimport IORedis from \"ioredis\";\n\n"
            "const connection = new IORedis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });\n\n"
            f"export const {rng.choice(WORDS)}Queue = new Queue(\"{rng.choice(WORDS)}\", {opts});\n")


def ts_module():
    s = f"import {{ {camel(2)} }} from \"./{rng.choice(WORDS)}\";\n\nexport interface {camel(2)} {{\n"
    s += "".join(f"  {w}: {rng.choice(['string', 'number', 'boolean', 'Date'])};\n" for w in rng.sample(WORDS, rng.randint(2, 8)))
    s += "}\n\n"
    for i in range(rng.randint(2, 8)):
        s += (f"export async function {rng.choice(WORDS)}{camel(1)}{i}(id: string): Promise<number> {{\n"
              f"  const res = await fetch(`/api/{rng.choice(WORDS)}/${{id}}`);\n  if (!res.ok) throw new Error(\"{words(3, ' ')}\");\n"
              "  return (await res.json()).count;\n}\n\n")
    return s


def tsx_component(name):
    return (f"import React, {{ useState }} from \"react\";\n\ntype Props = {{ {rng.choice(WORDS)}: string; onClose: () => void }};\n\n"
            f"export function {name}(props: Props) {{\n  const [open, setOpen] = useState(false);\n"
            f"  return (\n    <div className=\"{rng.choice(WORDS)}\">\n      <button onClick={{() => setOpen(!open)}}>{words(2, ' ')}</button>\n"
            f"      {{open && <span>{words(4, ' ')}</span>}}\n    </div>\n  );\n}}\n")


def minified_bundle(n_bytes):
    """One line of minified JS, naming bullmq: read, found minified, skipped with a note."""
    parts = ["!function(e){\"use strict\";var t=require(\"bullmq\");"]
    size = len(parts[0])
    while size < n_bytes:
        p = f"function {rng.choice(WORDS)[:2]}{rng.randint(0, 999)}(a,b){{return a.{rng.choice(WORDS)}(b)||{rng.randint(0, 99)}}};"
        parts.append(p)
        size += len(p)
    return "".join(parts) + "}(this);\n"


def generated_js(n_bytes):
    """Generated, not minified, over 1 MiB, naming bullmq: skipped as too large to be a source."""
    parts = ["// Code generated by webpack. DO NOT EDIT.\nconst { Queue } = require(\"bullmq\");\n"]
    size = len(parts[0])
    i = 0
    while size < n_bytes:
        p = (f"__webpack_modules__[{i}] = function (module, exports) {{\n"
             f"  exports.{rng.choice(WORDS)} = \"{words(4, ' ')}\";\n}};\n")
        parts.append(p)
        size += len(p)
        i += 1
    return "".join(parts)


def node_module_file(pkg):
    if pkg in ("connect-redis", "bullmq"):
        return (f"\"use strict\";\n// {pkg} internals\nconst {{ Queue }} = require(\"bullmq\");\n"
                "module.exports = new Queue(\"internal\", { connection });\n")
    return f"\"use strict\";\nmodule.exports = function {rng.choice(WORDS)}(a) {{ return a; }};\n"


def node_service(budget, big_bundle):
    name = f"{rng.choice(g.ADJ)}-{rng.choice(['web', 'bff', 'gateway', 'jobs', 'dashboard'])}"
    d = uniq(f"web/{name}")
    n0 = len(g.manifest)
    write(f"{d}/package.json", g.json_file(name), "unrelated")
    write(f"{d}/tsconfig.json", "{\n  \"compilerOptions\": {\"strict\": true, \"jsx\": \"react-jsx\", \"target\": \"es2022\"}\n}\n", "unrelated")
    write(f"{d}/package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n" + NPM_LOCK_QUEUE + ",\n".join(
        f"    \"node_modules/{w}-{i}\": {{\"version\": \"{g.version()}\"}}" for i, w in enumerate(rng.choices(WORDS, k=rng.randint(100, 400))))
          + "\n  }\n}\n", "unrelated")
    bad = pick_bad()
    write(f"{d}/server.js", server_js(bad), "app-bad:connect-redis-ttl-disabled" if bad else "app-good:connect-redis")
    bad = pick_bad()
    write(f"{d}/src/queues.ts", queues_ts(bad), "app-bad:bullmq-job-removal-unset" if bad else "app-good:bullmq")
    write(f"{d}/dist/app.min.js", minified_bundle(rng.randint(20_000, 80_000)), "minified")
    write(f"{d}/dist/vendor.js", minified_bundle(rng.randint(20_000, 200_000)), "minified")
    if big_bundle:
        write(f"{d}/dist/bundle.js", generated_js(1_300_000), "generated-large")
    for i in range(rng.randint(20, 60)):
        pkg = rng.choice(["express", "connect-redis", "bullmq", "react", "lodash", "ioredis", "redis"])
        write(uniq(f"{d}/node_modules/{pkg}/dist/{rng.choice(WORDS)}.js"), node_module_file(pkg), "dependency")
    while len(g.manifest) - n0 < budget:
        k = rng.choices(["ts", "tsx", "test", "queue", "svg", "css", "md"], [32, 35, 15, 6, 5, 8, 2])[0]
        area = rng.choice(WORDS)
        if k == "queue":
            bad = rng.random() < P_BAD_JOB
            write(uniq(f"{d}/src/jobs/{area}.queue.ts"), queues_ts(bad),
                  "app-bad:bullmq-job-removal-unset" if bad else "app-good:bullmq")
        elif k == "ts":
            write(uniq(f"{d}/src/{area}/{rng.choice(WORDS)}.ts"), ts_module(), "app-plain")
        elif k == "tsx":
            comp = camel(2)
            write(uniq(f"{d}/src/components/{area}/{comp}.tsx"), tsx_component(comp), "app-plain")
        elif k == "test":
            write(uniq(f"{d}/src/{area}/{rng.choice(WORDS)}.test.ts"), ts_module(), "app-plain")
        elif k == "svg":
            write(uniq(f"{d}/public/{rng.choice(WORDS)}.svg"),
                  f"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\"><path d=\"M{rng.randint(0, 24)} 0L24 24\"/></svg>\n", "unrelated")
        elif k == "css":
            write(uniq(f"{d}/src/styles/{area}.css"), f".{area} {{ display: flex; margin: {rng.randint(0, 16)}px; }}\n", "unrelated")
        else:
            write(uniq(f"{d}/README.md"), g.readme(name), "unrelated")


# ---------------------------------------------------------------- Kubernetes, Helm, redis.conf
def infra(n):
    """About n files from gen_tree.py's generators, in the same mix as its tree."""
    n0 = len(g.manifest)
    i = 0
    while len(g.manifest) - n0 < n:
        r = rng.random()
        team = rng.choice(TEAMS)
        if r < 0.78:
            name, text = g.k8s_manifest(team)
            write(uniq(f"deploy/{team}/{rng.choice(ENVS)}/{name}.yaml"), text, "k8s")
        elif r < 0.86:
            variant = g.REDIS_VARIANTS[i % len(g.REDIS_VARIANTS)]
            i += 1
            name, text = g.redis_sts(team, variant)
            write(uniq(f"infra/redis/{team}/{name}.yaml"), text, f"redis-sts:{variant}")
        elif r < 0.91:
            variant = rng.choice(["good", "no-maxmemory", "no-resources"])
            write(uniq(f"deploy/helm/{team}-cache/values.yaml"), g.bitnami_values(variant), f"helm:{variant}")
        elif r < 0.96:
            cd = uniq(f"charts/{team}-{g.svc_name()}")
            write(f"{cd}/Chart.yaml", g.chart_yaml(os.path.basename(cd), []), "chart")
            write(f"{cd}/values.yaml", g.app_values(team, os.path.basename(cd), rng.random() < 0.3), "helm:app-chart")
            write(f"{cd}/templates/deployment.yaml", g.template_deployment(), "helm-template")
        else:
            with_mm = rng.random() < 0.5
            write(uniq(f"infra/redis/{team}/conf/redis.conf"), g.redis_conf(with_mm),
                  "redis-conf:" + ("maxmemory" if with_mm else "no-maxmemory"))


# ---------------------------------------------------------------- plan
def main(argv):
    out_dir, total, seed = argv[0], int(argv[1]), int(argv[2])
    g.start(out_dir, seed)
    filler = g.copy_fixtures(argv[3:], total)
    start_n = len(g.manifest)
    # Shares of the filler: infrastructure YAML, three application stacks (each project takes a
    # budget of 120-400 files, dependencies included), and unrelated files for the remainder.
    infra(round(filler * 0.14))
    for share, make in ((0.24, rails_app), (0.24, python_project), (0.26, node_service)):
        end = len(g.manifest) + round(filler * share)
        k = 0
        while end - len(g.manifest) > 60:
            budget = min(rng.randint(120, 400), end - len(g.manifest))
            if make is node_service:
                make(budget, big_bundle=k % 8 == 0)
            else:
                make(budget)
            k += 1
    remaining = filler - (len(g.manifest) - start_n)
    if remaining < 0:
        raise SystemExit(f"TOTAL_FILES too small for the monorepo's projects ({-remaining} over)")
    for _ in range(remaining):
        k = rng.choices(["md", "png", "json", "txt"], [40, 25, 20, 15])[0]
        area = rng.choice(["docs", "docs/adr", "docs/runbooks", "assets", "design", "tools"])
        g.write_unrelated(f"{area}/{rng.choice(TEAMS)}", f"{area}/{rng.choice(TEAMS)}", k)
    g.finish(total)


if __name__ == "__main__":
    main(sys.argv[1:])
