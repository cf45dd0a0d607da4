#!/usr/bin/python3
"""helm-render: renders a Helm chart like `helm template`, for tests only.

Helm is not packaged in Debian 12 and tests may not download anything, so
this implements the subset of Go text/template + Sprig that
deploy/helm/iceberg-processor uses, with Helm's data model (.Values merged
from values.yaml and -f files, .Release, .Chart, .Template, .Files.Get).
Anything outside the subset (an unknown function, keyword, field of a
missing value, a map printed as text) is an error, never silently empty:
a template that this renderer accepts renders the same under Helm, and a
construct it does not know fails the test until the renderer learns it.

usage: helm-render.py CHART_DIR [-f values.yaml]... [--name NAME]
                      [--namespace NS] [--notes] [--output-dir DIR]
Prints the rendered manifests as a multi-document YAML stream (each one
preceded by "# Source: <chart>/templates/<file>"), or NOTES.txt with --notes.
Exit status 1 with "helm-render: <file>:<line>: <what>" on any error.
"""
import argparse
import hashlib
import os
import posixpath
import re
import sys

import yaml


class RenderError(Exception):
    pass


# ------------------------------------------------------------------ lexing
# A template is a list of ("text", str) and ("action", str, line) items,
# with the {{- / -}} trim markers already applied to the neighbouring text.

def lex(src, name):
    items = []
    pos = 0
    line = 1
    trim_next = False
    while True:
        start = src.find("{{", pos)
        text = src[pos:] if start < 0 else src[pos:start]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if start < 0:
            items.append(("text", text))
            return items
        trim_left = src.startswith("{{- ", start) or src.startswith("{{-\n", start)
        if trim_left:
            text = text.rstrip(" \t\r\n")
        items.append(("text", text))
        line += src.count("\n", pos, start)
        i = start + (4 if trim_left else 2)
        # find the closing }} outside string literals and comments
        j = i
        while True:
            if j >= len(src):
                raise RenderError(f"{name}:{line}: unclosed action")
            c = src[j]
            if src.startswith("/*", j):
                k = src.find("*/", j + 2)
                if k < 0:
                    raise RenderError(f"{name}:{line}: unclosed comment")
                j = k + 2
                continue
            if c == '"':
                j += 1
                while j < len(src) and src[j] != '"':
                    j += 2 if src[j] == "\\" else 1
                j += 1
                continue
            if c == "`":
                k = src.find("`", j + 1)
                if k < 0:
                    raise RenderError(f"{name}:{line}: unclosed raw string")
                j = k + 1
                continue
            if src.startswith("}}", j):
                break
            j += 1
        body = src[i:j]
        trim_next = body.endswith(" -") or body.endswith("\n-")
        if trim_next:
            body = body[:-2]
        items.append(("action", body.strip(), line))
        line += src.count("\n", start, j + 2)
        pos = j + 2


TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<var>\$[A-Za-z0-9_]*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.X)


def tokenize(s, where):
    toks = []
    pos = 0
    while pos < len(s):
        m = TOKEN.match(s, pos)
        if not m:
            raise RenderError(f"{where}: cannot parse {s[pos:]!r}")
        kind = m.lastgroup
        val = m.group()
        pos = m.end()
        if kind == "ws":
            continue
        # a field chain may follow a variable or a closing paren: $x.a.b, (f).a
        if kind == "field" and toks and toks[-1][0] in ("var", "rparen") and \
                s[m.start() - 1] not in " \t\n":
            toks.append(("chain", val))
            continue
        toks.append((kind, val))
    return toks


# ----------------------------------------------------------------- parsing
# Pipeline = (decl_vars, decl_kind, [command]); command = [operand];
# operand = ("field", [names]) | ("var", name, [names]) | ("lit", value)
#         | ("func", name) | ("pipe", pipeline, [names])

def parse_pipeline(toks, where):
    decl, kind = [], None
    # $a := ... or $a, $b := ...
    k = 0
    names = []
    while k < len(toks) and toks[k][0] == "var":
        names.append(toks[k][1])
        if k + 1 < len(toks) and toks[k + 1][0] == "comma":
            k += 2
            continue
        if k + 1 < len(toks) and toks[k + 1][0] in ("declare", "assign"):
            decl, kind = names, toks[k + 1][0]
            toks = toks[k + 2:]
        break
    cmds, cur, depth, sub = [], [], 0, []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t[0] == "lparen":
            # collect the parenthesized sub-pipeline
            depth, j = 1, i + 1
            while j < len(toks) and depth:
                depth += {"lparen": 1, "rparen": -1}.get(toks[j][0], 0)
                j += 1
            if depth:
                raise RenderError(f"{where}: unbalanced parentheses")
            sub = parse_pipeline(toks[i + 1:j - 1], where)
            chain = []
            if j < len(toks) and toks[j][0] == "chain":
                chain = toks[j][1].split(".")[1:]
                j += 1
            cur.append(("pipe", sub, chain))
            i = j
            continue
        if t[0] == "pipe":
            if not cur:
                raise RenderError(f"{where}: empty command in pipeline")
            cmds.append(cur)
            cur = []
        elif t[0] == "str":
            cur.append(("lit", go_unquote(t[1], where)))
        elif t[0] == "raw":
            cur.append(("lit", t[1][1:-1]))
        elif t[0] == "num":
            cur.append(("lit", float(t[1]) if "." in t[1] else int(t[1])))
        elif t[0] == "field":
            cur.append(("field", [] if t[1] == "." else t[1].split(".")[1:]))
        elif t[0] == "var":
            chain = []
            if i + 1 < len(toks) and toks[i + 1][0] == "chain":
                chain = toks[i + 1][1].split(".")[1:]
                i += 1
            cur.append(("var", t[1], chain))
        elif t[0] == "ident":
            if t[1] in ("true", "false"):
                cur.append(("lit", t[1] == "true"))
            elif t[1] == "nil":
                cur.append(("lit", None))
            else:
                cur.append(("func", t[1]))
        else:
            raise RenderError(f"{where}: unexpected {t[1]!r}")
        i += 1
    if cur:
        cmds.append(cur)
    elif cmds:
        raise RenderError(f"{where}: pipeline ends with '|'")
    return (decl, kind, cmds)


def go_unquote(lit, where):
    body = lit[1:-1]
    out, i = [], 0
    esc = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            if n not in esc:
                raise RenderError(f"{where}: unsupported escape \\{n}")
            out.append(esc[n])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


KEYWORDS = ("if", "else", "end", "range", "with", "define", "template", "block",
            "break", "continue")


def parse(items, name, defines):
    """Builds the node tree; registers {{define}}s in `defines`."""
    pos = 0

    def where(line):
        return f"{name}:{line}"

    def block(stop):
        nonlocal pos
        nodes = []
        while pos < len(items):
            it = items[pos]
            if it[0] == "text":
                if it[1]:
                    nodes.append(("text", it[1]))
                pos += 1
                continue
            body, line = it[1], it[2]
            if body.startswith("/*"):
                if not body.endswith("*/"):
                    raise RenderError(f"{where(line)}: text after a comment")
                pos += 1
                continue
            word = body.split(None, 1)[0] if body else ""
            rest = body[len(word):].strip()
            if word in ("end", "else"):
                if word not in stop:
                    raise RenderError(f"{where(line)}: unexpected {{{{{word}}}}}")
                return nodes, word, rest, line
            pos += 1
            if word in ("if", "with", "range"):
                branches = [(parse_pipeline(tokenize(rest, where(line)), where(line)),)]
                bodies = []
                while True:
                    nodes_b, ended, erest, eline = block(("end", "else"))
                    bodies.append(nodes_b)
                    pos += 1
                    if ended == "end":
                        break
                    if erest.startswith(word + " ") and word != "range":
                        branches.append((parse_pipeline(
                            tokenize(erest[len(word):].strip(), where(eline)), where(eline)),))
                    elif erest == "":
                        branches.append((None,))
                    else:
                        raise RenderError(f"{where(eline)}: unsupported {{{{else {erest}}}}}")
                nodes.append((word, [b[0] for b in branches], bodies, line))
            elif word == "define":
                toks = tokenize(rest, where(line))
                if len(toks) != 1 or toks[0][0] not in ("str", "raw"):
                    raise RenderError(f"{where(line)}: define needs one name")
                dname = go_unquote(toks[0][1], where(line)) if toks[0][0] == "str" else toks[0][1][1:-1]
                body_nodes, ended, _, eline = block(("end",))
                pos += 1
                defines[dname] = body_nodes
            elif word == "template":
                toks = tokenize(rest, where(line))
                if not toks or toks[0][0] != "str":
                    raise RenderError(f"{where(line)}: template needs a quoted name")
                pipe = parse_pipeline(toks[1:], where(line)) if len(toks) > 1 else None
                nodes.append(("template", go_unquote(toks[0][1], where(line)), pipe, line))
            elif word in KEYWORDS:
                raise RenderError(f"{where(line)}: {{{{{word}}}}} is not supported by helm-render")
            else:
                nodes.append(("action", parse_pipeline(tokenize(body, where(line)), where(line)), line))
        if stop != ("<eof>",):
            raise RenderError(f"{name}: missing {{{{end}}}}")
        return nodes, None, None, None

    nodes, _, _, _ = block(("<eof>",))
    return nodes


# -------------------------------------------------------------- evaluation

def truth(v):
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    if isinstance(v, (str, list, dict, tuple)):
        return len(v) > 0
    return True


def to_str(v, where="value"):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e21 else repr(v)
    if isinstance(v, str):
        return v
    raise RenderError(f"{where}: printing a {type(v).__name__} as text "
                      "(use toYaml)")


def go_printf(fmt, args, where):
    out, i, a = [], 0, 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        verb = fmt[i + 1] if i + 1 < len(fmt) else ""
        i += 2
        if verb == "%":
            out.append("%")
            continue
        if a >= len(args):
            raise RenderError(f"{where}: printf: missing argument for %{verb}")
        v = args[a]
        a += 1
        if verb in ("s", "v"):
            out.append(to_str(v, where))
        elif verb == "d":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise RenderError(f"{where}: printf %d of {v!r}")
            out.append(str(int(v)))
        elif verb == "q":
            out.append(go_quote(to_str(v, where)))
        else:
            raise RenderError(f"{where}: printf verb %{verb} is not supported")
    if a != len(args):
        raise RenderError(f"{where}: printf: {len(args) - a} extra argument(s)")
    return "".join(out)


def go_quote(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def to_yaml(v):
    if v is None:
        return "null"
    s = yaml.safe_dump(v, default_flow_style=False, sort_keys=True,
                       allow_unicode=True, width=1 << 30)
    if s.endswith("\n...\n"):
        s = s[:-5]
    return s.rstrip("\n")


def indent(n, s):
    pad = " " * n
    return pad + s.replace("\n", "\n" + pad)


def num(v, where):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise RenderError(f"{where}: comparing a non-number {v!r}")
    return v


def go_eq(a, b, where):
    if isinstance(a, bool) != isinstance(b, bool) or \
            (isinstance(a, str) != isinstance(b, str) and a is not None and b is not None):
        raise RenderError(f"{where}: eq/ne of incompatible types {a!r} and {b!r}")
    return a == b


def to_int(v, where):
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        try:
            return int(v, 0)
        except ValueError:
            return 0
    raise RenderError(f"{where}: int of {type(v).__name__}")


def required(where):
    def f(msg, v):
        if v is None or (isinstance(v, str) and v == ""):
            raise RenderError(f"{where}: required: {msg}")
        return v
    return f


class Renderer:
    def __init__(self, defines, root):
        self.defines = defines
        self.root = root

    def funcs(self, where):
        w = where
        return {
            "default": lambda d, v=None: v if truth(v) else d,
            "quote": lambda *a: " ".join(go_quote(to_str(x, w)) for x in a if x is not None),
            "toYaml": to_yaml,
            "nindent": lambda n, s: "\n" + indent(n, to_str(s, w)),
            "indent": lambda n, s: indent(n, to_str(s, w)),
            "sha256sum": lambda s: hashlib.sha256(to_str(s, w).encode()).hexdigest(),
            "printf": lambda fmt, *a: go_printf(fmt, a, w),
            "print": lambda *a: "".join(to_str(x, w) for x in a),
            "trunc": lambda n, s: s[:n] if n >= 0 else s[n:],
            "trimSuffix": lambda suf, s: s[:-len(suf)] if suf and s.endswith(suf) else s,
            "replace": lambda old, new, s: s.replace(old, new),
            "contains": lambda sub, s: sub in s,
            "required": required(w),
            "eq": lambda a, *bs: any(go_eq(a, b, w) for b in bs),
            "ne": lambda a, b: not go_eq(a, b, w),
            "not": lambda v: not truth(v),
            "gt": lambda a, b: num(a, w) > num(b, w),
            "lt": lambda a, b: num(a, w) < num(b, w),
            "ge": lambda a, b: num(a, w) >= num(b, w),
            "le": lambda a, b: num(a, w) <= num(b, w),
            "int": lambda v: to_int(v, w),
            "omit": lambda d, *keys: {k: v for k, v in d.items() if k not in keys},
            "base": lambda p: posixpath.basename(p.rstrip("/")) or "/",
            "dir": lambda p: posixpath.dirname(p) or ".",
            "include": lambda name, data: self.include(name, data, w),
        }

    def include(self, name, data, where):
        if name not in self.defines:
            raise RenderError(f"{where}: no template named {name!r}")
        out = []
        self.exec(self.defines[name], data, [{"$": data}], out)
        return "".join(out)

    def field(self, v, names, where):
        for n in names:
            if isinstance(v, dict):
                v = v.get(n)
            elif v is None:
                raise RenderError(f"{where}: nil pointer evaluating field .{n}")
            elif hasattr(v, n):
                v = getattr(v, n)
            else:
                raise RenderError(f"{where}: can't evaluate field {n} in {type(v).__name__}")
        return v

    def lookup_var(self, scopes, name, where):
        for s in reversed(scopes):
            if name in s:
                return s[name]
        raise RenderError(f"{where}: undefined variable {name}")

    def operand(self, op, dot, scopes, where):
        kind = op[0]
        if kind == "lit":
            return op[1]
        if kind == "field":
            return self.field(dot, op[1], where)
        if kind == "var":
            return self.field(self.lookup_var(scopes, op[1], where), op[2], where)
        if kind == "pipe":
            return self.field(self.pipeline(op[1], dot, scopes, where), op[2], where)
        raise RenderError(f"{where}: function {op[1]} used as a value")

    def pipeline(self, pipe, dot, scopes, where):
        decl, kind, cmds = pipe
        if not cmds:
            raise RenderError(f"{where}: empty pipeline")
        val, have = None, False
        for cmd in cmds:
            head = cmd[0]
            if head[0] == "func":
                fname = head[1]
                if fname in ("and", "or"):
                    # Go evaluates and/or lazily and returns the deciding operand
                    args = cmd[1:]
                    res = None
                    for k, a in enumerate(args + ([("lit", val)] if have else [])):
                        res = self.operand(a, dot, scopes, where)
                        if (fname == "and") != truth(res):
                            break
                    val, have = res, True
                    continue
                fns = self.funcs(where)
                if fname not in fns:
                    raise RenderError(f"{where}: function {fname!r} is not supported by helm-render")
                args = [self.operand(a, dot, scopes, where) for a in cmd[1:]]
                if have:
                    args.append(val)
                try:
                    val = fns[fname](*args)
                except RenderError:
                    raise
                except (TypeError, AttributeError, ValueError) as e:
                    raise RenderError(f"{where}: {fname}: {e}")
                have = True
            else:
                if len(cmd) > 1 or have:
                    v = self.operand(head, dot, scopes, where)
                    if not callable(v):
                        raise RenderError(f"{where}: can't give arguments to a non-function")
                    args = [self.operand(a, dot, scopes, where) for a in cmd[1:]]
                    if have:
                        args.append(val)
                    val = v(*args)
                else:
                    val = self.operand(head, dot, scopes, where)
                have = True
        if decl:
            if len(decl) != 1:
                raise RenderError(f"{where}: only range takes two variables")
            if kind == "declare":
                scopes[-1][decl[0]] = val
            else:
                for s in reversed(scopes):
                    if decl[0] in s:
                        s[decl[0]] = val
                        break
                else:
                    raise RenderError(f"{where}: assignment to undeclared {decl[0]}")
            return val
        return val

    def exec(self, nodes, dot, scopes, out):
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[1])
            elif kind == "action":
                where = f"line {node[2]}"
                v = self.pipeline(node[1], dot, scopes, where)
                if not node[1][0]:  # declarations print nothing
                    out.append(to_str(v, where))
            elif kind in ("if", "with"):
                conds, bodies, line = node[1], node[2], node[3]
                where = f"line {line}"
                for cond, body in zip(conds, bodies):
                    if cond is None:
                        self.exec(body, dot, scopes + [{}], out)
                        break
                    scope = {}
                    v = self.pipeline(cond, dot, scopes + [scope], where)
                    if truth(v):
                        self.exec(body, v if kind == "with" else dot, scopes + [scope], out)
                        break
            elif kind == "range":
                pipe, bodies, line = node[1][0], node[2], node[3]
                where = f"line {line}"
                decl, dkind, cmds = pipe
                coll = self.pipeline(([], None, cmds), dot, scopes, where)
                if isinstance(coll, dict):
                    pairs = [(k, coll[k]) for k in sorted(coll)]
                elif isinstance(coll, list):
                    pairs = list(enumerate(coll))
                elif isinstance(coll, int) and not isinstance(coll, bool):
                    pairs = [(i, i) for i in range(coll)]
                elif coll is None:
                    pairs = []
                else:
                    raise RenderError(f"{where}: range over {type(coll).__name__}")
                if not pairs:
                    if len(bodies) > 1:
                        self.exec(bodies[1], dot, scopes + [{}], out)
                    continue
                for k, v in pairs:
                    scope = {}
                    if decl and len(decl) == 1:
                        scope[decl[0]] = v
                    elif decl:
                        scope[decl[0]], scope[decl[1]] = k, v
                    self.exec(bodies[0], v, scopes + [scope], out)
            elif kind == "template":
                where = f"line {node[3]}"
                data = self.pipeline(node[2], dot, scopes, where) if node[2] else None
                out.append(self.include(node[1], data, where))
            else:
                raise RenderError(f"internal: node {kind}")


# ------------------------------------------------------------------- helm

def deep_merge(base, over):
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)  # Helm: null in a values file deletes the key
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


class Files:
    def __init__(self, chart_dir):
        self._dir = chart_dir

    def Get(self, name):
        p = os.path.join(self._dir, name)
        if not os.path.isfile(p):
            return ""
        return open(p).read()


def load_yaml(path):
    with open(path) as f:
        data = yaml.safe_load(f)
    return data or {}


def render_chart(chart_dir, value_files, name, namespace):
    chart = load_yaml(os.path.join(chart_dir, "Chart.yaml"))
    cname = chart["name"]
    values = load_yaml(os.path.join(chart_dir, "values.yaml"))
    for vf in value_files:
        values = deep_merge(values, load_yaml(vf))
    tdir = os.path.join(chart_dir, "templates")
    defines, parsed = {}, {}
    for fn in sorted(os.listdir(tdir)):
        path = os.path.join(tdir, fn)
        tname = f"{cname}/templates/{fn}"
        src = open(path).read()
        try:
            nodes = parse(lex(src, tname), tname, defines)
        except RenderError:
            raise
        defines[tname] = nodes  # Helm names every file as a template too
        parsed[fn] = nodes
    root_base = {
        "Values": values,
        "Release": {"Name": name, "Namespace": namespace, "Service": "Helm",
                    "IsInstall": True, "IsUpgrade": False, "Revision": 1},
        "Chart": {k[0].upper() + k[1:]: v for k, v in chart.items()},
        "Files": Files(chart_dir),
    }
    docs, notes = [], None
    for fn, nodes in parsed.items():
        if fn.startswith("_"):
            continue
        root = dict(root_base)
        root["Template"] = {"Name": f"{cname}/templates/{fn}",
                            "BasePath": f"{cname}/templates"}
        r = Renderer(defines, root)
        out = []
        try:
            r.exec(nodes, root, [{"$": root}], out)
        except RenderError as e:
            raise RenderError(f"{cname}/templates/{fn}: {e}")
        text = "".join(out)
        if fn == "NOTES.txt":
            notes = text
        elif text.strip():
            docs.append((fn, text))
    return docs, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("chart")
    ap.add_argument("-f", "--values", action="append", default=[])
    ap.add_argument("--name", default="release-name")
    ap.add_argument("--namespace", default="default")
    ap.add_argument("--notes", action="store_true")
    a = ap.parse_args()
    try:
        docs, notes = render_chart(a.chart, a.values, a.name, a.namespace)
    except (RenderError, OSError, yaml.YAMLError) as e:
        print(f"helm-render: {e}", file=sys.stderr)
        return 1
    if a.notes:
        sys.stdout.write(notes or "")
        return 0
    cname = load_yaml(os.path.join(a.chart, "Chart.yaml"))["name"]
    for fn, text in docs:
        sys.stdout.write(f"---\n# Source: {cname}/templates/{fn}\n{text.strip(chr(10))}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
