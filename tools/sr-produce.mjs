#!/usr/bin/env node
// sr-produce: record values serialized by an independent implementation of
// the Confluent wire format, @kafkajs/confluent-schema-registry (avsc,
// protobufjs, ajv underneath), for our decoders' interop tests.
//
//   node tools/sr-produce.mjs --registry URL [--auth USER:PASS | --token T]
//        --subject S --type AVRO|PROTOBUF|JSON --schema FILE
//        [--ref NAME=SUBJECT:FILE ...] [--message-type pkg.Msg]
//        [--wrap-unions auto|always|never] [--no-message-indexes]
//        [--in records.jsonl --out values.hex]
//
// Registers each --ref (in the order given) and then the schema with the
// library's register(), then encodes each JSON line of --in with the
// library's encode() and writes one hex line per value to --out. Prints
// {"id","subject","version","refs":[{name,subject,version,id}]} on stdout.
//
// Conventions
// - --ref NAME=SUBJECT:FILE registers FILE (same type as --type) under
//   SUBJECT; the schema refers to it as {name: NAME, subject: SUBJECT,
//   version: the version registered}. A ref whose text holds the NAME of an
//   earlier --ref in double quotes (a Protobuf import "x.proto", an Avro
//   type "ns.Name", a JSON Schema "$ref": "x.json") gets that one as its
//   own reference; the main schema refers to every --ref. Well-known
//   google/protobuf/*.proto imports need no --ref (the registry knows them,
//   as Confluent's does); protobufjs gets its bundled copies.
// - Input lines: blank lines are skipped; a line `null` is a null value
//   (tombstone), written as an empty output line (icp-seggen --value-hex
//   turns an empty line into a null value).
// - Bytes (Avro bytes/fixed/decimal, Protobuf bytes) are written in JSON as
//   {"$bytes": "<base64>"} or {"$hex": "<hex>"} and become Buffers before
//   encoding (an Avro decimal is the big-endian two's-complement unscaled
//   value). Converted only for AVRO and PROTOBUF; JSON values go as they are.
// - AVRO: values are in the form avsc accepts: records as objects, enums as
//   symbol strings, maps as objects, longs as JS numbers (|v| < 2^53 - 1), no
//   logical-type conversion (timestamps are plain numbers). Unions follow
//   --wrap-unions (default auto, avsc's default: a union value is a plain
//   value, e.g. null or "x" for ["null","string"], unless avsc finds the
//   union ambiguous (two records, int and long, ...), where it is
//   {"<branch type name>": value}; always: every non-null union value is
//   wrapped, as in Avro's JSON encoding).
// - PROTOBUF: values as protobufjs Type.create/verify take them: field names
//   in protobufjs's camelCase (order_id -> orderId; a snake_case key of a
//   multi-word field is silently DROPPED by protobufjs), enums as
//   numbers, int64 as numbers, google.protobuf.Timestamp as {seconds, nanos}.
//   The message is --message-type (full name) or, as the library does,
//   the first message of the file.
// - Message indexes: the library (4.1.0) writes magic byte, schema id and
//   the Protobuf bytes, WITHOUT the message-index array Confluent's
//   serializers put between them (kafkajs/confluent-schema-registry issue
//   #248). This script inserts it after the 5-byte header, as Confluent
//   does: a zigzag varint count then zigzag varint indexes (the path of the
//   message among message types: top-level index, then nested), and the
//   single byte 0 for [0] (the first top-level message). --no-message-indexes
//   keeps the library's framing (for robustness tests).
// - JSON: the library writes magic byte, id, then JSON.stringify(value):
//   the Confluent JSON Schema wire format as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');
const protobuf = require('protobufjs');

function usage(msg) {
  if (msg) console.error('sr-produce: ' + msg);
  console.error('usage: node tools/sr-produce.mjs --registry URL [--auth USER:PASS|--token T] ' +
    '--subject S --type AVRO|PROTOBUF|JSON --schema FILE [--ref NAME=SUBJECT:FILE ...] ' +
    '[--message-type pkg.Msg] [--wrap-unions auto|always|never] [--no-message-indexes] ' +
    '[--in records.jsonl --out values.hex]');
  process.exit(2);
}

const args = { refs: [] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const val = () => { if (i + 1 >= process.argv.length) usage(a + ' needs a value'); return process.argv[++i]; };
  switch (a) {
    case '--registry': args.registry = val(); break;
    case '--auth': args.auth = val(); break;
    case '--token': args.token = val(); break;
    case '--subject': args.subject = val(); break;
    case '--type': args.type = val().toUpperCase(); break;
    case '--schema': args.schema = val(); break;
    case '--ref': args.refs.push(val()); break;
    case '--message-type': args.messageType = val(); break;
    case '--wrap-unions': args.wrapUnions = val(); break;
    case '--no-message-indexes': args.noIndexes = true; break;
    case '--in': args.in = val(); break;
    case '--out': args.out = val(); break;
    default: usage('unknown argument ' + a);
  }
}
if (!args.registry || !args.subject || !args.schema || !SchemaType[args.type])
  usage('--registry, --subject, --schema and --type AVRO|PROTOBUF|JSON are required');
if (!!args.in !== !!args.out) usage('--in and --out go together');

// ------------------------------------------------ protobufjs and well-known types

// protobufjs.parse does not load imports; the library parses each file into
// one root. Add the bundled google/protobuf definitions a file imports
// (only those missing, so parsing several files into one root works).
const parse0 = protobuf.parse;
protobuf.parse = function (source, root, opts) {
  const r = parse0.call(this, source, root, opts);
  for (const imp of r.imports || []) {
    const common = protobuf.common.get(imp);
    if (!common) continue;
    const defs = common.nested.google.nested.protobuf.nested;
    const ns = r.root.define('google.protobuf');
    for (const [name, def] of Object.entries(defs))
      if (!ns.get(name)) ns.addJSON({ [name]: def });
  }
  return r;
};

// The message-index path of a message in the file text (declaration order,
// message types only), and the name relative to the package for the library.
function messagePath(text, fullName) {
  const parsed = parse0(text, new protobuf.Root(), { keepCase: true });
  const pkg = parsed.package || '';
  let top = parsed.root;
  if (pkg) top = parsed.root.lookup(pkg);
  const types = ns => (ns.nestedArray || []).filter(x => x instanceof protobuf.Type);
  let t;
  if (fullName) {
    t = parsed.root.lookup(fullName.replace(/^\./, ''));
    if (!(t instanceof protobuf.Type)) throw new Error('no message ' + fullName + ' in the schema');
  } else {
    t = types(top)[0];
    if (!t) throw new Error('the schema has no message');
  }
  const path = [];
  for (let x = t; x !== top; x = x.parent) {
    const i = types(x.parent).indexOf(x);
    if (i < 0) throw new Error('cannot place ' + t.fullName + ' in its file');
    path.unshift(i);
  }
  const rel = t.fullName.replace(/^\./, '').slice(pkg ? pkg.length + 1 : 0);
  return { path, rel };
}

function zigzagVarint(n) {
  let v = (n << 1) ^ (n >> 31);
  const out = [];
  v >>>= 0;
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
  return out;
}

function indexBytes(path) {
  if (path.length === 1 && path[0] === 0) return Buffer.from([0]);
  return Buffer.from([...zigzagVarint(path.length), ...path.flatMap(zigzagVarint)]);
}

// ------------------------------------------------------------------ values

function toBuffers(v) {
  if (Array.isArray(v)) return v.map(toBuffers);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bytes') return Buffer.from(v.$bytes, 'base64');
    if (keys.length === 1 && keys[0] === '$hex') return Buffer.from(v.$hex, 'hex');
    const o = {};
    for (const k of keys) o[k] = toBuffers(v[k]);
    return o;
  }
  return v;
}

// -------------------------------------------------------------------- main

const clientArgs = { host: args.registry, retry: { retries: 1, maxRetryTimeInSecs: 2 } };
if (args.auth) {
  const i = args.auth.indexOf(':');
  if (i < 0) usage('--auth is USER:PASS');
  clientArgs.auth = { username: args.auth.slice(0, i), password: args.auth.slice(i + 1) };
}
if (args.token) {
  const token = args.token;
  clientArgs.middlewares = [() => ({
    async prepareRequest(next) {
      const req = await next();
      return req.enhance({ headers: { Authorization: 'Bearer ' + token } });
    },
  })];
}

const text = readFileSync(args.schema, 'utf8');
let proto = null;
const options = {};
if (args.type === 'AVRO') options[SchemaType.AVRO] = { wrapUnions: args.wrapUnions || 'auto' };
// ajv ships no format validators (ajv-formats is not used): the string
// formats a schema may name are declared, not asserted, so that schemas
// with "format" compile in ajv's strict mode
if (args.type === 'JSON')
  options[SchemaType.JSON] = { formats: { 'date-time': true, date: true, time: true, uuid: true } };
if (args.type === 'PROTOBUF') {
  proto = messagePath(text, args.messageType);
  options[SchemaType.PROTOBUF] = { messageName: proto.rel };
}
const registry = new SchemaRegistry(clientArgs, options);
// references are registered without the main schema's message name
const refRegistry = new SchemaRegistry(clientArgs);

async function registerOne(reg, schemaText, subject, references) {
  const schema = { type: SchemaType[args.type], schema: schemaText };
  if (references.length) schema.references = references;
  const { id } = await reg.register(schema, { subject });
  // the version: the lookup endpoint (POST /subjects/{s}) names it
  const body = { schema: schemaText };
  if (args.type !== 'AVRO') body.schemaType = args.type;
  if (references.length) body.references = references;
  const res = await registry.api.Subject.registered({ subject, body });
  return { id, version: res.data().version };
}

async function main() {
  const refs = [];
  for (const spec of args.refs) {
    const m = /^([^=]+)=([^:]+):(.+)$/.exec(spec);
    if (!m) usage('--ref is NAME=SUBJECT:FILE, not ' + spec);
    const [, name, subject, file] = m;
    const refText = readFileSync(file, 'utf8');
    const deps = refs.filter(r => refText.includes('"' + r.name + '"'))
      .map(({ name: n, subject: s, version: v }) => ({ name: n, subject: s, version: v }));
    const { id, version } = await registerOne(refRegistry, refText, subject, deps);
    refs.push({ name, subject, version, id });
  }
  const references = refs.map(({ name, subject, version }) => ({ name, subject, version }));
  const { id, version } = await registerOne(registry, text, args.subject, references);
  if (args.in) {
    const prefix = proto && !args.noIndexes ? indexBytes(proto.path) : null;
    const out = [];
    const lines = readFileSync(args.in, 'utf8').split('\n');
    for (let n = 0; n < lines.length; n++) {
      if (!lines[n].trim()) continue;
      let v = JSON.parse(lines[n]);
      if (v === null) { out.push(''); continue; }
      if (args.type !== 'JSON') v = toBuffers(v);
      let buf;
      try {
        buf = await registry.encode(id, v);
      } catch (e) {
        throw new Error(`${args.in}:${n + 1}: ${e.message} ${JSON.stringify(e.paths || '')}`);
      }
      if (prefix) buf = Buffer.concat([buf.subarray(0, 5), prefix, buf.subarray(5)]);
      out.push(buf.toString('hex'));
    }
    writeFileSync(args.out, out.join('\n') + '\n');
  }
  console.log(JSON.stringify({ id, subject: args.subject, version, refs }));
}

main().catch(e => {
  console.error('sr-produce: ' + (e && e.message ? e.message : e));
  process.exit(1);
});
