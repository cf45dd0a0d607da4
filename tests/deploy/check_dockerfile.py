"""Checks the Dockerfile against the built binary (see it_dockerfile.sh).

usage: check_dockerfile.py BINARY DOCKERFILE
Prints every problem found and exits 1 if there is any."""
import json
import os
import re
import subprocess
import sys

binary, dockerfile = sys.argv[1], sys.argv[2]
problems = []


def fail(msg):
    problems.append(msg)


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stdout


# ------------------------------------------------------------ parse stages
text = open(dockerfile).read()
# Join continuation lines; drop comments (a comment inside a RUN continuation
# is legal Dockerfile syntax, so drop them before joining).
lines = [l for l in text.splitlines() if not l.lstrip().startswith("#")]
joined = re.sub(r"\\\n", " ", "\n".join(lines))
instrs = []
for l in joined.splitlines():
    l = l.strip()
    if not l:
        continue
    word, _, rest = l.partition(" ")
    instrs.append((word.upper(), rest.strip()))

stages = []
for word, rest in instrs:
    if word == "FROM":
        stages.append({"from": rest, "instrs": []})
    elif not stages:
        if word != "ARG":
            fail(f"{word} before the first FROM")
    else:
        stages[-1]["instrs"].append((word, rest))

if len(stages) < 2:
    fail(f"expected a multi-stage build (build + runtime), found {len(stages)} stage(s)")
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)
build, runtime = stages[0], stages[-1]
for st in stages:
    image = st["from"].split()[0]
    if not re.fullmatch(r"debian:(12|bookworm)(-slim)?(@sha256:[0-9a-f]{64})?", image):
        fail(f"stage FROM {image}: expected debian:12 / bookworm(-slim)")


def apt_packages(stage):
    pkgs = []
    for word, rest in stage["instrs"]:
        if word != "RUN":
            continue
        for cmd in re.split(r"&&|;", rest):
            toks = cmd.split()
            if "apt-get" in toks and "install" in toks:
                after = toks[toks.index("install") + 1:]
                pkgs += [t for t in after if not t.startswith("-")]
    return pkgs


def instr(stage, name):
    return [rest for word, rest in stage["instrs"] if word == name]


build_pkgs = apt_packages(build)
for need in ("cmake", "libyaml-dev", "libmicrohttpd-dev", "libsqlite3-dev", "libssl-dev"):
    if need not in build_pkgs:
        fail(f"build stage does not install {need}")
# Every library CMakeLists.txt looks for must have its -dev package in the
# build stage, or `cmake` fails inside `docker build` (which no test runs).
cmake_text = open(os.path.join(os.path.dirname(dockerfile) or ".", "CMakeLists.txt")).read()
cmake_libs = set(re.findall(r"find_library\(\s*\S+\s+([A-Za-z0-9_+.-]+)", cmake_text))
for m in re.finditer(r"foreach\(\s*\w+\s+([^)]*)\)\s*find_library\(", cmake_text):
    cmake_libs |= set(m.group(1).split())
if re.search(r"find_package\(\s*ZLIB", cmake_text):
    cmake_libs.add("z")
if not cmake_libs:
    fail("found no find_library() in CMakeLists.txt (parser out of date?)")
for lib in sorted(cmake_libs):
    r = subprocess.run(["dpkg", "-S", f"*/lib{lib}.so"], capture_output=True, text=True)
    owners = {l.split(":")[0].strip() for l in r.stdout.splitlines() if l.strip()}
    if not owners:
        fail(f"CMakeLists.txt links lib{lib}.so, which no installed package provides")
    elif not owners & set(build_pkgs) and not (owners <= {"libc6-dev"} and "build-essential" in build_pkgs):
        fail(f"build stage lacks {' or '.join(sorted(owners))} (lib{lib}.so, found by CMakeLists.txt)")
build_runs = " ".join(instr(build, "RUN"))
if "cmake" not in build_runs or "CMAKE_BUILD_TYPE=Release" not in build_runs:
    fail("build stage must configure with CMake and -DCMAKE_BUILD_TYPE=Release")

runtime_pkgs = apt_packages(runtime)
if not runtime_pkgs:
    fail("runtime stage installs no packages")
for p in runtime_pkgs:
    if p.endswith("-dev") or p.endswith("-dbg") or p in (
            "build-essential", "gcc", "clang", "cmake", "make", "pkg-config", "git"):
        fail(f"runtime stage installs build-only package {p}")
if "ca-certificates" not in runtime_pkgs:
    fail("runtime stage lacks ca-certificates (TLS to S3, catalog, etcd)")
if "--no-install-recommends" not in " ".join(instr(runtime, "RUN")):
    fail("runtime apt-get install without --no-install-recommends")

users = instr(runtime, "USER")
if not users or users[-1].split(":")[0] != "65532":
    fail(f"runtime USER is {users[-1] if users else 'unset'}, expected 65532")
elif ":" in users[-1] and users[-1].split(":")[1] != "65532":
    fail(f"runtime group is {users[-1]}, expected 65532")


def exec_form(name, want):
    vals = instr(runtime, name)
    if not vals:
        fail(f"runtime stage has no {name}")
        return
    try:
        got = json.loads(vals[-1])
    except ValueError:
        fail(f"{name} is not in exec (JSON array) form: {vals[-1]}")
        return
    if got != want:
        fail(f"{name} is {got}, expected {want}")


exec_form("ENTRYPOINT", ["/app/iceberg-processor"])
exec_form("CMD", ["-config=/config/config.yaml"])
if "9093" not in " ".join(instr(runtime, "EXPOSE")).split():
    fail("runtime stage does not EXPOSE 9093")
copies = " ".join(instr(runtime, "COPY"))
if "--from=" not in copies or "/app/iceberg-processor" not in copies:
    fail("runtime stage must COPY --from=<build> the binary to /app/iceberg-processor")

# --------------------------------------------- libraries -> Debian packages
def candidates(path):
    # merged /usr: dpkg knows a library under /lib or /usr/lib, by its
    # SONAME link or its real file name
    cands = [path, os.path.realpath(path)]
    for c in list(cands):
        if c.startswith("/usr/lib/"):
            cands.append(c[4:])
        elif c.startswith("/lib"):
            cands.append("/usr" + c)
    return cands


def owners_of(paths):
    """One dpkg -S for every candidate path: {path: package}."""
    allc = sorted({c for p in paths for c in candidates(p)})
    if not allc:
        return {}
    _, out = run("dpkg", "-S", *allc)
    owner = {}
    for line in out.splitlines():
        pkgs, sep, path = line.partition(": ")
        if sep:
            owner[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
    return owner


def package_of(path, owner):
    for c in candidates(path):
        if c in owner:
            return owner[c]
    return None


def deps_closure(pkgs):
    seen, todo = set(), list(pkgs)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        rc, out = run("dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", p)
        if rc != 0:
            continue
        for alt in out.split(","):
            # "a (>= 1) | b": any alternative counts; take every name.
            for name in alt.split("|"):
                name = name.strip().split(" ")[0].split(":")[0]
                if name:
                    todo.append(name)
    return seen


for p in runtime_pkgs:
    rc, out = run("dpkg-query", "-W", "-f=${Status}", p)
    if rc != 0 or "install ok installed" not in out:
        rc2, _ = run("apt-cache", "show", p)
        if rc2 != 0:
            fail(f"runtime package {p} is not a Debian 12 package known here")

rc, ldd = run("ldd", binary)
if rc != 0:
    fail(f"ldd {binary} failed")
libs = re.findall(r"=>\s+(/\S+)", ldd)
if not libs:
    fail("ldd resolved no libraries (is the binary dynamic?)")
rc, dyn = run("readelf", "-d", binary)
needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn))
if not needed:
    fail("readelf found no NEEDED entries")

listed = set(runtime_pkgs)
closure = deps_closure(listed)
checked = 0
owner = owners_of(libs)
for lib in libs:
    pkg = package_of(lib, owner)
    if not pkg:
        fail(f"{lib}: no Debian package owns it (built locally? it would be missing in the image)")
        continue
    checked += 1
    base = os.path.basename(lib)
    if base in needed and pkg not in listed:
        fail(f"{base} (linked directly) comes from {pkg}, which the runtime stage does not list")
    elif pkg not in closure:
        fail(f"{base} comes from {pkg}, neither listed nor a dependency of a listed package")

if problems:
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)
print(f"ok: {checked} libraries covered by {len(runtime_pkgs)} runtime packages "
      f"({', '.join(sorted(listed))}); USER 65532; ENTRYPOINT/CMD/EXPOSE as required")
