"""Checks of the rendered Helm chart (see it_helm.sh). usage: check_helm.py BINARY"""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

BIN = sys.argv[1]
CHART = "deploy/helm/iceberg-processor"
RENDER = ["/usr/bin/python3", "tools/helm-render.py"]
DATA = "tests/deploy/data"
problems = []
tmp = tempfile.mkdtemp(prefix="it_helm.")
atexit.register(shutil.rmtree, tmp, True)


def fail(msg):
    problems.append(msg)


def render(*values, chart=CHART, notes=False, expect_ok=True):
    cmd = RENDER + [chart] + [a for v in values for a in ("-f", v)]
    if notes:
        cmd.append("--notes")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if expect_ok and r.returncode != 0:
        fail(f"render {values}: exit {r.returncode}: {r.stderr.strip()}")
        return None
    return r


def docs_of(r, label):
    if r is None:
        return {}
    out = {}
    try:
        docs = [d for d in yaml.safe_load_all(r.stdout) if d is not None]
    except yaml.YAMLError as e:
        fail(f"{label}: rendered output is not YAML: {e}")
        return {}
    for d in docs:
        if not isinstance(d, dict) or not {"apiVersion", "kind", "metadata"} <= d.keys():
            fail(f"{label}: a document lacks apiVersion/kind/metadata: {str(d)[:200]}")
            continue
        if not d["metadata"].get("name"):
            fail(f"{label}: {d['kind']} has no metadata.name")
        if d["kind"] in out:
            fail(f"{label}: two {d['kind']} documents")
        out[d["kind"]] = d
    return out


def write_values(name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def check_common(label, k, values_files):
    dep = k.get("Deployment")
    if not dep:
        fail(f"{label}: no Deployment")
        return None
    pod = dep["spec"]["template"]
    spec = pod["spec"]
    c = spec["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    if ports.get("metrics") != 9093:
        fail(f"{label}: container port 'metrics' is {ports.get('metrics')}, expected 9093")

    def probe(name, path):
        pr = c.get(name) or {}
        hg = pr.get("httpGet") or {}
        port = hg.get("port")
        port = ports.get(port, port)
        if hg.get("path") != path or port != 9093:
            fail(f"{label}: {name} is {pr}, expected httpGet {path} on 9093")
    probe("livenessProbe", "/healthz")
    probe("readinessProbe", "/readyz")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    if env.get("KAFSCALE_METRICS_ADDR") != ":9093":
        fail(f"{label}: KAFSCALE_METRICS_ADDR is {env.get('KAFSCALE_METRICS_ADDR')!r}")
    psc, csc = spec.get("securityContext") or {}, c.get("securityContext") or {}
    uid = csc.get("runAsUser", psc.get("runAsUser"))
    if uid != 65532:
        fail(f"{label}: runAsUser {uid}, expected 65532")
    if not csc.get("runAsNonRoot", psc.get("runAsNonRoot")):
        fail(f"{label}: runAsNonRoot not set")
    if csc.get("readOnlyRootFilesystem") is not True:
        fail(f"{label}: readOnlyRootFilesystem not true")
    if csc.get("allowPrivilegeEscalation") is not False:
        fail(f"{label}: allowPrivilegeEscalation not false")
    if spec.get("terminationGracePeriodSeconds") != 30:
        fail(f"{label}: terminationGracePeriodSeconds {spec.get('terminationGracePeriodSeconds')}")
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    if not re.fullmatch(r"[0-9a-f]{64}", str(ann.get("checksum/config", ""))):
        fail(f"{label}: checksum/config annotation missing or not a sha256: {ann}")
    # the selector must select the pod; Service/ServiceMonitor/PDB must select it too
    pod_labels = pod["metadata"]["labels"]
    sel = dep["spec"]["selector"]["matchLabels"]
    if any(pod_labels.get(a) != b for a, b in sel.items()):
        fail(f"{label}: Deployment selector {sel} does not match pod labels {pod_labels}")
    svc = k.get("Service")
    if not svc:
        fail(f"{label}: no Service")
    else:
        sp = svc["spec"]["ports"][0]
        if sp["port"] != 9093 or sp.get("targetPort") not in ("metrics", 9093):
            fail(f"{label}: Service port {sp}")
        if any(pod_labels.get(a) != b for a, b in svc["spec"]["selector"].items()):
            fail(f"{label}: Service selector does not match the pods")
    args = c.get("args") or []
    cfg_arg = [a for a in args if a.startswith("-config=")]
    if len(cfg_arg) != 1:
        fail(f"{label}: container args {args} lack -config=PATH")
        return dep
    path = cfg_arg[0][len("-config="):]
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    if mounts.get("config") != os.path.dirname(path):
        fail(f"{label}: config volume mounted at {mounts.get('config')}, args read {path}")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    cm_name = (vols.get("config") or {}).get("configMap", {}).get("name")
    cm = k.get("ConfigMap")
    if cm and cm["metadata"]["name"] != cm_name:
        fail(f"{label}: volume uses ConfigMap {cm_name}, chart renders {cm['metadata']['name']}")
    if cm and os.path.basename(path) not in cm.get("data", {}):
        fail(f"{label}: ConfigMap has no key {os.path.basename(path)}")
    return dep


def check_config(label, k):
    """Runs check-config --strict on the chart's config.yaml; returns its JSON."""
    cm = k.get("ConfigMap")
    if not cm:
        fail(f"{label}: no ConfigMap")
        return None
    data = cm.get("data") or {}
    if len(data) != 1:
        fail(f"{label}: ConfigMap data has {len(data)} keys")
        return None
    text = next(iter(data.values()))
    p = write_values(f"{label}-config.yaml", text)
    env = dict(os.environ, ICEBERG_CATALOG_TOKEN="tok-test", ETCD_PASSWORD="etcd-test")
    r = subprocess.run([BIN, "check-config", f"-config={p}", "--strict"],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail(f"{label}: check-config --strict exit {r.returncode}: {r.stderr.strip()}")
        return None
    if r.stderr.strip():
        fail(f"{label}: check-config printed warnings: {r.stderr.strip()}")
    return json.loads(r.stdout)


# ------------------------------------------------------------ values.yaml
values = yaml.safe_load(open(f"{CHART}/values.yaml"))
for key in ("image", "replicaCount", "serviceAccount", "rbac", "env", "envFromSecret",
            "resources", "service", "config", "s3"):
    if key not in values:
        fail(f"values.yaml lacks today's key {key}")
for a, b in (("image", "repository"), ("image", "tag"), ("image", "pullPolicy"),
             ("serviceAccount", "create"), ("serviceAccount", "name"),
             ("serviceAccount", "annotations"), ("rbac", "create"), ("rbac", "rules"),
             ("service", "type"), ("service", "port"), ("config", "existingConfigMap"),
             ("config", "path"), ("s3", "credentialsSecretRef")):
    if b not in (values.get(a) or {}):
        fail(f"values.yaml lacks today's key {a}.{b}")
if values["service"]["port"] != 9093:
    fail("values.yaml service.port is not 9093")
if values["config"]["processor"].get("shutdown_timeout_seconds") != 25:
    fail("values.yaml config.processor.shutdown_timeout_seconds is not 25")

# -------------------------------------------------------- default values
k = docs_of(render(), "default")
if set(k) != {"ConfigMap", "Deployment", "Service", "ServiceAccount"}:
    fail(f"default: kinds {sorted(k)}, expected ConfigMap Deployment Service ServiceAccount")
dep = check_common("default", k, [])
cfg = check_config("default", k)
if cfg is not None:
    if cfg["processor"]["shutdown_timeout_seconds"] >= 30:
        fail("default: shutdown_timeout_seconds is not below the 30 s grace period")
    if cfg["s3"]["bucket"] != values["config"]["s3"]["bucket"]:
        fail("default: the config's s3.bucket is not the values' one")
default_sum = dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"] if dep else None

# ---------------------------------------------------- production values
prod = f"{DATA}/values-production.yaml"
k = docs_of(render(prod), "production")
want = {"ConfigMap", "Deployment", "Service", "ServiceAccount", "Role", "RoleBinding",
        "ServiceMonitor", "PodDisruptionBudget"}
if set(k) != want:
    fail(f"production: kinds {sorted(k)}, expected {sorted(want)}")
dep = check_common("production", k, [prod])
cfg = check_config("production", k)
if cfg is not None:
    if len(cfg["mappings"]) != 2 or len(cfg["mappings"][0]["schema"]["columns"]) != 4:
        fail("production: mappings/columns did not survive the chart")
    if cfg["iceberg"]["catalog"]["type"] != "rest" or len(cfg["etcd"]["endpoints"]) != 3:
        fail("production: catalog/etcd settings did not survive the chart")
    if cfg["iceberg"]["catalog"]["token"] != "***":
        fail("production: the catalog token is not treated as a secret")
if dep:
    spec = dep["spec"]
    c = spec["template"]["spec"]["containers"][0]
    if spec["replicas"] != 3:
        fail(f"production: replicas {spec['replicas']}")
    if c["image"] != "registry.example.com/kafscale/iceberg-processor:1.2.3":
        fail(f"production: image {c['image']}")
    refs = [e["secretRef"]["name"] for e in c.get("envFrom", [])]
    if refs != ["aws-credentials", "iceberg-processor-secrets"]:
        fail(f"production: envFrom secrets {refs}")
    if not any(e["name"] == "KAFSCALE_LOG_LEVEL" for e in c.get("env", [])):
        fail("production: values env was not passed")
    if c.get("resources", {}).get("limits", {}).get("memory") != "2Gi":
        fail("production: resources not passed")
    pod_labels = spec["template"]["metadata"]["labels"]
    sm = k.get("ServiceMonitor")
    if sm:
        if sm["apiVersion"] != "monitoring.coreos.com/v1":
            fail(f"production: ServiceMonitor apiVersion {sm['apiVersion']}")
        ep = sm["spec"]["endpoints"][0]
        if ep.get("port") != "metrics" or ep.get("path") != "/metrics":
            fail(f"production: ServiceMonitor endpoint {ep}")
        if sm["metadata"]["labels"].get("release") != "prometheus":
            fail("production: ServiceMonitor labels not passed")
        svc_labels = k["Service"]["metadata"]["labels"]
        if any(svc_labels.get(a) != b for a, b in sm["spec"]["selector"]["matchLabels"].items()):
            fail("production: ServiceMonitor does not select the Service")
    pdb = k.get("PodDisruptionBudget")
    if pdb:
        if pdb["apiVersion"] != "policy/v1" or pdb["spec"].get("maxUnavailable") != 1:
            fail(f"production: PDB {pdb['spec']}")
        if any(pod_labels.get(a) != b for a, b in pdb["spec"]["selector"]["matchLabels"].items()):
            fail("production: PDB does not select the pods")
    sa = k.get("ServiceAccount", {})
    if "eks.amazonaws.com/role-arn" not in (sa.get("metadata", {}).get("annotations") or {}):
        fail("production: ServiceAccount annotations (IRSA) not passed")
    rb = k.get("RoleBinding")
    if rb and rb["subjects"][0]["name"] != sa.get("metadata", {}).get("name"):
        fail("production: RoleBinding does not bind the ServiceAccount")

# ------------------------------------------------ checksum rolls the pods
def checksum(*vals):
    kk = docs_of(render(*vals), "checksum")
    d = kk.get("Deployment")
    return d["spec"]["template"]["metadata"]["annotations"]["checksum/config"] if d else None


poll7 = write_values("poll7.yaml", "config:\n  processor:\n    poll_interval_seconds: 7\n")
replicas = write_values("replicas.yaml", "replicaCount: 2\n")
s_base, s_cfg, s_rep = checksum(), checksum(poll7), checksum(replicas)
if s_base is None or s_base == s_cfg:
    fail("checksum/config did not change when a config value changed")
if s_base != s_rep:
    fail("checksum/config changed although only replicaCount changed")
if checksum(prod) == s_base:
    fail("checksum/config is the same for two different configs")

# ------------------------------------------------- existing ConfigMap
k = docs_of(render(f"{DATA}/values-existing-configmap.yaml"), "existing")
if "ConfigMap" in k:
    fail("existing: the chart rendered a ConfigMap although existingConfigMap is set")
dep = check_common("existing", k, [])
if dep:
    vols = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
    if vols["config"]["configMap"]["name"] != "my-processor-config":
        fail("existing: the Deployment does not mount my-processor-config")
r = render(f"{DATA}/values-existing-configmap.yaml", notes=True)
if r and "rollout restart" not in r.stdout:
    fail("existing: NOTES.txt does not tell how to roll pods on a config change")
r = render(notes=True)
if r and "/readyz" not in r.stdout:
    fail("NOTES.txt does not render the endpoints")

# ---------------------------------------- the renderer refuses unknowns
bad_cases = {
    "unknown function": '{{ .Values.x | lookupSecret }}',
    "unknown keyword": '{{ block "x" . }}y{{ end }}',
    "missing end": '{{ if .Values.x }}y',
    "field of nil": '{{ .Values.nothing.here }}',
    "map printed as text": '{{ .Values }}',
    "unclosed action": '{{ .Values.x ',
    "unsupported printf verb": '{{ printf "%x" 3 }}',
    "required value": '{{ required "x is required" .Values.missing }}',
}
bad_chart = os.path.join(tmp, "bad")
os.makedirs(os.path.join(bad_chart, "templates"))
with open(os.path.join(bad_chart, "Chart.yaml"), "w") as f:
    f.write("apiVersion: v2\nname: bad\nversion: 0.0.1\n")
with open(os.path.join(bad_chart, "values.yaml"), "w") as f:
    f.write("x: 1\n")
for what, tpl in bad_cases.items():
    with open(os.path.join(bad_chart, "templates", "t.yaml"), "w") as f:
        f.write("a: " + tpl + "\n")
    r = render(chart=bad_chart, expect_ok=False)
    if r.returncode == 0 or "helm-render:" not in r.stderr:
        fail(f"renderer accepted a template with {what}: {r.stdout!r}")
# and a known-good one renders exactly what Helm would
with open(os.path.join(bad_chart, "values.yaml"), "w") as f:
    f.write("x: 1\nl: [p, q]\nm: {k: v}\n")
with open(os.path.join(bad_chart, "templates", "t.yaml"), "w") as f:
    f.write('{{- $n := "v" -}}\na: {{ .Values.x | quote }}\n'
            'b: {{ if eq .Values.x 2 }}two{{ else if eq .Values.x 1 }}one{{ else }}other{{ end }}\n'
            'c: {{ printf "%s-%d" $n 3 }}\n'
            'd:{{ range $i, $e := .Values.l }} {{ $i }}={{ $e }}{{ end }}\n'
            'e: {{ with .Values.m }}{{ .k }}{{ end }}{{ with .Values.none }}x{{ else }}-{{ end }}\n'
            'f: {{- toYaml .Values.m | nindent 2 }}\n'
            'g: {{ .Files.Get "files/x.txt" | trimSuffix "\\n" | quote }}\n')
os.makedirs(os.path.join(bad_chart, "files"), exist_ok=True)
with open(os.path.join(bad_chart, "files", "x.txt"), "w") as f:
    f.write("hi\n")
r = render(chart=bad_chart, expect_ok=False)
want_out = ('---\n# Source: bad/templates/t.yaml\na: "1"\nb: one\nc: v-3\n'
            'd: 0=p 1=q\ne: v-\nf:\n  k: v\ng: "hi"\n')
if r.returncode != 0 or r.stdout != want_out:
    fail(f"renderer output {r.stdout!r} (stderr {r.stderr.strip()!r}), expected {want_out!r}")

if problems:
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)
print("ok: chart renders (default, production, existingConfigMap), probes/security/"
      "checksum/selectors checked, chart config passes check-config --strict, "
      f"renderer refuses {len(bad_cases)} unknown constructs")
