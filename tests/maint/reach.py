"""What each snapshot of a table reaches, for tests/maint/it_expire*.sh.

    reach.py METADATA_FILE  ->  JSON on stdout:
      {"current": id, "snapshots": {id: [list, manifest..., data file...]},
       "sizes": {path: bytes}, "offsets": kafscale.offsets of the current}

Read with Debian's python3-avro, independently of the processor's reader.
Paths are local: file:// stripped; with REACH_S3_ROOT=/dir, s3://b/k is
/dir/b/k (a warehouse the test downloaded).
"""
import json, os, sys
import warnings
warnings.simplefilter("ignore")
from avro.datafile import DataFileReader
from avro.io import DatumReader
S3_ROOT = os.environ.get("REACH_S3_ROOT")
def path(u):
    if S3_ROOT and u.startswith("s3://"):
        return S3_ROOT + "/" + u[len("s3://"):]
    return u[len("file://"):] if u.startswith("file://") else u
meta = json.load(open(sys.argv[1]))
out = {"current": meta["current-snapshot-id"], "snapshots": {}}
for s in meta["snapshots"]:
    files = [path(s["manifest-list"])]
    for m in DataFileReader(open(path(s["manifest-list"]), "rb"), DatumReader()):
        files.append(path(m["manifest_path"]))
        for e in DataFileReader(open(path(m["manifest_path"]), "rb"), DatumReader()):
            files.append(path(e["data_file"]["file_path"]))
    out["snapshots"][str(s["snapshot-id"])] = files
out["sizes"] = {f: os.path.getsize(f) for fs in out["snapshots"].values() for f in fs}
out["offsets"] = next(s for s in meta["snapshots"]
                      if s["snapshot-id"] == meta["current-snapshot-id"])["summary"].get("kafscale.offsets")
print(json.dumps(out))
