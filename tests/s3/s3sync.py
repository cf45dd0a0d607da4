#!/usr/bin/python3
"""Test set-up and read-back against s3rver, unsigned (s3rver accepts
anonymous requests; the code under test goes through the signature-checking
proxy instead).

  s3sync.py up DIR ENDPOINT BUCKET      every file below DIR, keys relative to DIR
  s3sync.py down ENDPOINT BUCKET DIR    every object of BUCKET into DIR/<key>
  s3sync.py rm ENDPOINT BUCKET KEY
"""
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

NS = "{http://doc.s3.amazonaws.com/2006-03-01/}"


def url(endpoint, bucket, key=""):
    return "%s/%s/%s" % (endpoint, bucket, urllib.parse.quote(key))


def up(d, endpoint, bucket):
    n = 0
    for root, _, files in os.walk(d):
        for f in sorted(files):
            p = os.path.join(root, f)
            key = os.path.relpath(p, d)
            req = urllib.request.Request(url(endpoint, bucket, key), data=open(p, "rb").read(),
                                         method="PUT")
            urllib.request.urlopen(req).read()
            n += 1
    print("uploaded %d objects" % n)


def down(endpoint, bucket, d):
    token, n = None, 0
    while True:
        q = {"list-type": "2"}
        if token:
            q["continuation-token"] = token
        body = urllib.request.urlopen("%s/%s?%s" % (endpoint, bucket, urllib.parse.urlencode(q))).read()
        x = ET.fromstring(body)
        for c in x.findall(NS + "Contents"):
            key = c.find(NS + "Key").text
            p = os.path.join(d, key)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "wb").write(urllib.request.urlopen(url(endpoint, bucket, key)).read())
            n += 1
        if x.find(NS + "IsTruncated").text != "true":
            break
        token = x.find(NS + "NextContinuationToken").text
    print("downloaded %d objects" % n)


if sys.argv[1] == "up":
    up(*sys.argv[2:5])
elif sys.argv[1] == "down":
    down(*sys.argv[2:5])
elif sys.argv[1] == "rm":
    urllib.request.urlopen(urllib.request.Request(url(*sys.argv[2:5]), method="DELETE")).read()
else:
    sys.exit("usage: s3sync.py up|down|rm ...")
