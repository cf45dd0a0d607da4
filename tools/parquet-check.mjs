// Reads Parquet files written by tests/parquet/pq_gen with two independent
// readers -- DuckDB (@duckdb/node-api) and arrow-rs (parquet-wasm, read
// through apache-arrow) -- and compares every value with the expected
// values pq_gen wrote beside the file (NAME.json). Also checks:
//   - DuckDB parquet_schema(): every field carries its Iceberg field id;
//   - DuckDB parquet_metadata(): per leaf, the sums of total_compressed_size,
//     num_values and stats_null_count equal what the writer returned; the
//     row group starts equal the split offsets; min/max statistics equal
//     the min/max of the expected values (numbers and strings);
//   - the writer's Iceberg lower/upper bounds equal bounds computed here,
//     from the expected values, with an independent implementation of
//     Iceberg's serialization and truncation.
// Usage: node parquet-check.mjs DIR [NAME...]   (default: every DIR/*.json)
// Exits 1 on the first file with differences (after printing up to 20).
import fs from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { readParquet } from "parquet-wasm/node";
import { tableFromIPC, Type } from "apache-arrow";

const dir = process.argv[2];
let names = process.argv.slice(3);
if (!names.length)
  names = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();

const INTS = new Set(["int", "long", "date", "time", "timestamp", "timestamptz", "decimal"]);
const HEX = new Set(["binary", "fixed", "uuid"]);

function floatCanon(x) {
  if (typeof x === "string") return x; // NaN, Infinity, -Infinity, -0 as written by pq_gen
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}
const canonExpected = (f, v) => {
  if (v === null) return null;
  if (f.kind === "float" || f.kind === "double") return floatCanon(typeof v === "number" ? v : v);
  if (f.kind === "struct") {
    const o = {};
    for (const c of f.children) o[c.name] = canonExpected(c, v[c.name]);
    return o;
  }
  if (f.kind === "list") return v.map((e) => canonExpected(f.children[0], e));
  if (f.kind === "map") return v.map(([k, x]) => [canonExpected(f.children[0], k), canonExpected(f.children[1], x)]);
  return v;
};

// ----------------------------------------------------------------- DuckDB
function fromDuck(f, v) {
  if (v === null || v === undefined) return null;
  switch (f.kind) {
    case "boolean": return v;
    case "int": case "long": return String(v);
    case "float": case "double": return floatCanon(v);
    case "decimal": return String(v.value);
    case "date": return String(v.days);
    case "time": case "timestamp": case "timestamptz": return String(v.micros);
    case "string": return v;
    case "uuid": return v.toString().replace(/-/g, "");
    case "binary": case "fixed": return Buffer.from(v.bytes).toString("hex");
    case "struct": {
      const o = {};
      const m = new Map(v.entries ? Object.entries(v.entries) : []);
      for (const c of f.children) o[c.name] = fromDuck(c, m.get(c.name));
      return o;
    }
    case "list": return v.items.map((e) => fromDuck(f.children[0], e));
    case "map": return v.entries.map((e) => [fromDuck(f.children[0], e.key), fromDuck(f.children[1], e.value)]);
  }
  throw new Error("unknown kind " + f.kind);
}

// ------------------------------------------------------------------ arrow
function valid(d, i) {
  if (typeof d.getValid === "function") return d.getValid(i);
  if (!d.nullBitmap || d.nullBitmap.length === 0) return true;
  const j = d.offset + i;
  return (d.nullBitmap[j >> 3] >> (j & 7)) & 1;
}
function i64(d, j) {
  const v = d.values;
  if (v instanceof BigInt64Array) return v[j];
  return (BigInt(v[2 * j + 1]) << 32n) | BigInt(v[2 * j] >>> 0); // Int32 pairs
}
function fromArrow(f, d, i) {
  if (!valid(d, i)) return null;
  const j = d.offset + i;
  const t = d.type;
  switch (t.typeId) {
    case Type.Bool: return ((d.values[j >> 3] >> (j & 7)) & 1) === 1;
    case Type.Int:
      return t.bitWidth === 64 ? String(i64(d, j)) : String(d.values[j]);
    case Type.Float: return floatCanon(d.values[j]);
    case Type.Decimal: {
      const w = d.values; // Uint32Array, 4 words per value (128-bit) or 8 (256)
      const n = t.bitWidth / 32;
      let x = 0n;
      for (let k = n - 1; k >= 0; k--) x = (x << 32n) | BigInt(w[j * n + k] >>> 0);
      if (x >> BigInt(t.bitWidth - 1)) x -= 1n << BigInt(t.bitWidth);
      return String(x);
    }
    case Type.Date: return String(t.unit === 0 ? d.values[j] : Number(i64(d, j)) / 86400000);
    case Type.Time: case Type.Timestamp: return String(i64(d, j));
    case Type.Utf8: case Type.Binary: case Type.LargeUtf8: case Type.LargeBinary: {
      const o = d.valueOffsets;
      const b = Buffer.from(d.values.subarray(Number(o[j]), Number(o[j + 1])));
      return t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 ? b.toString("utf8") : b.toString("hex");
    }
    case Type.FixedSizeBinary:
      return Buffer.from(d.values.subarray(j * t.byteWidth, (j + 1) * t.byteWidth)).toString("hex");
    case Type.Struct: {
      const o = {};
      f.children.forEach((c, k) => { o[c.name] = fromArrow(c, d.children[k], i); });
      return o;
    }
    case Type.List: case Type.LargeList: {
      const o = d.valueOffsets, out = [];
      for (let k = Number(o[j]); k < Number(o[j + 1]); k++) out.push(fromArrow(f.children[0], d.children[0], k));
      return out;
    }
    case Type.Map: {
      const o = d.valueOffsets, out = [], kv = d.children[0];
      for (let k = Number(o[j]); k < Number(o[j + 1]); k++)
        out.push([fromArrow(f.children[0], kv.children[0], k), fromArrow(f.children[1], kv.children[1], k)]);
      return out;
    }
  }
  throw new Error(`arrow type ${t} (${t.typeId}) not handled for ${f.kind}`);
}

// ---------------------------------------------------------------- iceberg
const utf8 = (s) => Buffer.from(s, "utf8");
function cmp(f, a, b) {
  if (INTS.has(f.kind)) { const x = BigInt(a), y = BigInt(b); return x < y ? -1 : x > y ? 1 : 0; }
  if (f.kind === "float" || f.kind === "double") { const x = Number(a), y = Number(b); return x < y ? -1 : x > y ? 1 : 0; }
  if (f.kind === "boolean") return (a ? 1 : 0) - (b ? 1 : 0);
  if (f.kind === "string") return Buffer.compare(utf8(a), utf8(b));
  return Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}
function minimalBE(x, bits = 256) {
  let u = x < 0n ? (1n << BigInt(bits)) + x : x;
  let hex = u.toString(16).padStart(bits / 4, "0");
  let b = Buffer.from(hex, "hex");
  let s = 0;
  while (s + 1 < b.length && ((b[s] === 0 && !(b[s + 1] & 0x80)) || (b[s] === 0xff && b[s + 1] & 0x80))) s++;
  return b.subarray(s);
}
function serialize(f, v, isUpper) {
  const b = Buffer.alloc(8);
  switch (f.kind) {
    case "boolean": return Buffer.from([v ? 1 : 0]);
    case "int": case "date": b.writeInt32LE(Number(v)); return b.subarray(0, 4);
    case "long": case "time": case "timestamp": case "timestamptz": b.writeBigInt64LE(BigInt(v)); return b;
    case "float": case "double": {
      let x = Number(v);
      if (x === 0) x = isUpper ? 0 : -0;
      if (f.kind === "float") { b.writeFloatLE(x); return b.subarray(0, 4); }
      b.writeDoubleLE(x); return b;
    }
    case "decimal": return minimalBE(BigInt(v));
    case "string": {
      const cps = Array.from(v);
      if (cps.length <= 16) return utf8(v);
      if (!isUpper) return utf8(cps.slice(0, 16).join(""));
      for (let i = 15; i >= 0; i--) {
        let cp = cps[i].codePointAt(0) + 1;
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
        if (cp <= 0x10ffff) return utf8(cps.slice(0, i).join("") + String.fromCodePoint(cp));
      }
      return null;
    }
    case "binary": {
      const x = Buffer.from(v, "hex");
      if (x.length <= 16) return x;
      if (!isUpper) return x.subarray(0, 16);
      for (let i = 15; i >= 0; i--) {
        if (x[i] !== 0xff) { const y = Buffer.from(x.subarray(0, i + 1)); y[i]++; return y; }
      }
      return null;
    }
    default: return Buffer.from(v, "hex");
  }
}

// --------------------------------------------------------------- checking
const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
await con.run("SET threads=1");
let failures = 0;

function findLeaf(schema, id) {
  const walk = (fs_, anc) => {
    for (const f of fs_) {
      if (f.id === id) return { f, anc };
      if (f.children) { const r = walk(f.children, [...anc, f]); if (r) return r; }
    }
    return null;
  };
  return walk(schema, []);
}

for (const name of names) {
  const exp = JSON.parse(fs.readFileSync(path.join(dir, name + ".json"), "utf8"));
  const file = path.join(dir, exp.file);
  const errs = [];
  const err = (m) => { if (errs.length < 20) errs.push(m); };
  const expRows = exp.rows.map((r) => { const o = {}; for (const f of exp.schema) o[f.name] = canonExpected(f, r[f.name]); return o; });
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // DuckDB values
  const q = (s) => s.replace(/'/g, "''");
  const dres = await con.runAndReadAll(`SELECT * FROM read_parquet('${q(file)}')`);
  const drows = dres.getRowObjects();
  if (drows.length !== expRows.length) err(`duckdb: ${drows.length} rows, expected ${expRows.length}`);
  for (let r = 0; r < Math.min(drows.length, expRows.length); r++)
    for (const f of exp.schema) {
      const got = fromDuck(f, drows[r][f.name]);
      if (!same(got, expRows[r][f.name]))
        err(`duckdb row ${r} ${f.name} (${f.kind}): got ${JSON.stringify(got)?.slice(0, 200)} want ${JSON.stringify(expRows[r][f.name])?.slice(0, 200)}`);
    }

  // arrow-rs values
  const tbl = tableFromIPC(readParquet(new Uint8Array(fs.readFileSync(file))).intoIPCStream());
  if (tbl.numRows !== expRows.length) err(`arrow: ${tbl.numRows} rows, expected ${expRows.length}`);
  for (const f of exp.schema) {
    const field = tbl.schema.fields.find((x) => x.name === f.name);
    if (!field) { err(`arrow: no column ${f.name}`); continue; }
    if (field.metadata.get("PARQUET:field_id") !== String(f.id)) err(`arrow: ${f.name} field id ${field.metadata.get("PARQUET:field_id")}`);
    const vec = tbl.getChild(f.name);
    let r = 0;
    for (const d of vec.data)
      for (let i = 0; i < d.length; i++, r++) {
        const got = fromArrow(f, d, i);
        if (r < expRows.length && !same(got, expRows[r][f.name]))
          err(`arrow row ${r} ${f.name} (${f.kind}): got ${JSON.stringify(got)?.slice(0, 200)} want ${JSON.stringify(expRows[r][f.name])?.slice(0, 200)}`);
      }
  }

  // field ids in the Parquet schema
  const sch = (await con.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${q(file)}')`)).getRowObjects();
  const got = sch.filter((x) => x.field_id !== null).map((x) => `${x.name}:${x.field_id}`).sort();
  const want = [];
  const walk = (fs_, parent) => {
    for (const f of fs_) {
      const nm = parent?.kind === "list" ? "element" : parent?.kind === "map" ? (f === parent.children[0] ? "key" : "value") : f.name;
      want.push(`${nm}:${f.id}`);
      if (f.children) walk(f.children, f);
    }
  };
  walk(exp.schema, null);
  want.sort();
  if (!same(got, want)) err(`parquet_schema field ids: got ${got} want ${want}`);

  // metadata vs writer metrics
  const md = (await con.runAndReadAll(`SELECT * FROM parquet_metadata('${q(file)}')`)).getRowObjects();
  const m = exp.metrics;
  const rgs = [...new Set(md.map((x) => Number(x.row_group_id)))].sort((a, b) => a - b);
  if (m.split_offsets.length !== rgs.length) err(`row groups: ${rgs.length}, split offsets ${m.split_offsets.length}`);
  for (const rg of rgs) {
    const cols = md.filter((x) => Number(x.row_group_id) === rg).sort((a, b) => Number(a.column_id) - Number(b.column_id));
    const c0 = cols[0];
    const start = Number(c0.dictionary_page_offset ?? c0.data_page_offset);
    if (start !== m.split_offsets[rg]) err(`row group ${rg} starts at ${start}, split offset ${m.split_offsets[rg]}`);
  }
  const rowsTotal = rgs.reduce((s, rg) => s + Number(md.find((x) => Number(x.row_group_id) === rg).row_group_num_rows), 0);
  if (rowsTotal !== m.record_count || m.record_count !== expRows.length) err(`record count ${m.record_count}, file ${rowsTotal}, rows ${expRows.length}`);
  if (fs.statSync(file).size !== m.file_size) err(`file size ${fs.statSync(file).size} vs metrics ${m.file_size}`);
  m.fields.forEach((fm, li) => {
    const chunks = md.filter((x) => Number(x.column_id) === li);
    const p = fm.path.join(", ");
    if (chunks.length && chunks[0].path_in_schema !== p) err(`leaf ${li}: path ${chunks[0].path_in_schema} want ${p}`);
    const sum = (k) => chunks.reduce((s, x) => s + Number(x[k] ?? 0), 0);
    if (sum("total_compressed_size") !== fm.column_size) err(`field ${fm.id}: column_size ${fm.column_size} vs ${sum("total_compressed_size")}`);
    if (sum("num_values") !== fm.value_count) err(`field ${fm.id}: value_count ${fm.value_count} vs ${sum("num_values")}`);
    if (sum("stats_null_count") !== fm.null_count) err(`field ${fm.id}: null_count ${fm.null_count} vs ${sum("stats_null_count")}`);

    // expected values of a leaf outside lists/maps
    const { f, anc } = findLeaf(exp.schema, fm.id);
    if (anc.some((a) => a.kind === "list" || a.kind === "map")) {
      if (fm.lower !== undefined || fm.upper !== undefined) err(`field ${fm.id}: bounds for a repeated field`);
      return;
    }
    const vals = [];
    let nulls = 0, nans = 0;
    for (const r of expRows) {
      let v = r[(anc[0] ?? f).name];
      for (const a of [...anc.slice(1), f].slice(anc.length ? 0 : 1)) v = v === null ? null : v[a.name];
      if (v === null) { nulls++; continue; }
      if (v === "NaN") { nans++; continue; }
      vals.push(v);
    }
    if (nulls !== fm.null_count) err(`field ${fm.id}: null_count ${fm.null_count}, data has ${nulls}`);
    if (fm.nan_count !== undefined && nans !== fm.nan_count) err(`field ${fm.id}: nan_count ${fm.nan_count}, data has ${nans}`);
    if (!vals.length) {
      if (fm.lower !== undefined || fm.upper !== undefined) err(`field ${fm.id}: bounds without values`);
      return;
    }
    const fnum = (v) => (typeof v === "string" ? Number(v.replace(/^-0$/, "-0")) : v);
    const norm = f.kind === "float" || f.kind === "double" ? vals.map(fnum) : vals;
    let mn = norm[0], mx = norm[0];
    for (const v of norm) { if (cmp(f, v, mn) < 0) mn = v; if (cmp(f, v, mx) > 0) mx = v; }
    const lo = serialize(f, mn, false), hi = serialize(f, mx, true);
    if ((fm.lower ?? null) !== lo.toString("hex")) err(`field ${fm.id} (${f.kind}): lower ${fm.lower} want ${lo.toString("hex")}`);
    if ((fm.upper ?? null) !== (hi ? hi.toString("hex") : null)) err(`field ${fm.id} (${f.kind}): upper ${fm.upper} want ${hi?.toString("hex")}`);

    // Parquet chunk statistics, as DuckDB reports them
    const numeric = ["int", "long", "float", "double"].includes(f.kind);
    if ((numeric || f.kind === "string") && chunks.every((x) => x.stats_min_value !== null && x.stats_max_value !== null)) {
      const conv = (s) => (f.kind === "string" ? s : f.kind === "int" || f.kind === "long" ? String(BigInt(s)) : Number(s));
      let smin = null, smax = null;
      for (const x of chunks) {
        const a = conv(x.stats_min_value), b = conv(x.stats_max_value);
        if (smin === null || cmp(f, a, smin) < 0) smin = a;
        if (smax === null || cmp(f, b, smax) > 0) smax = b;
      }
      const close = (a, b) => (f.kind === "float" ? Math.fround(a) === Math.fround(b) : cmp(f, a, b) === 0);
      if (!close(smin, mn)) err(`field ${fm.id}: parquet min ${smin} want ${mn}`);
      if (!close(smax, mx)) err(`field ${fm.id}: parquet max ${smax} want ${mx}`);
    }
  });

  if (errs.length) {
    failures++;
    console.log(`FAIL ${name} (${exp.case}, ${JSON.stringify(exp.options)}):\n  ` + errs.join("\n  "));
  } else {
    console.log(`ok   ${name}: ${expRows.length} rows, ${m.split_offsets.length} row groups, ${m.file_size} bytes`);
  }
}
process.exit(failures ? 1 : 0);
