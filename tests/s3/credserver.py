#!/usr/bin/python3
"""Test endpoints for the network credential sources, on one port:

* POST /sts        STS AssumeRoleWithWebIdentity (form body; checks Action,
                   RoleArn and that WebIdentityToken is the --web-token)
* GET  /container  container credentials; checks Authorization is --auth
* PUT  /latest/api/token, GET /latest/meta-data/iam/security-credentials/[role]
                   EC2 IMDSv2 (every GET needs the session token)

All hand out --key/--secret with a session token and an Expiration
--expires seconds from now. Fetch counts per source go to --counts (JSON).
"""
import argparse
import datetime
import http.server
import json
import os
import threading
import urllib.parse

LOCK = threading.Lock()
COUNTS = {"sts": 0, "container": 0, "imds_token": 0, "imds_role": 0, "imds_creds": 0,
          "refused": 0}
A = None
IMDS_TOKEN = "imds-session-token-1"


def save():
    with open(A.counts + ".tmp", "w") as f:
        json.dump(COUNTS, f)
    os.replace(A.counts + ".tmp", A.counts)


def count(k):
    with LOCK:
        COUNTS[k] += 1
        save()


def expiry():
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=A.expires)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/json"):
        b = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def refuse(self, status, why):
        count("refused")
        self.send(status, why, "text/plain")

    def creds_json(self):
        return json.dumps({"Code": "Success", "AccessKeyId": A.key, "SecretAccessKey": A.secret,
                           "Token": "session-token", "Expiration": expiry()})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        if self.path != "/sts/" and self.path != "/sts":
            return self.refuse(404, "no such path")
        if (form.get("Action") != ["AssumeRoleWithWebIdentity"]
                or form.get("WebIdentityToken") != [A.web_token]
                or not form.get("RoleArn")):
            return self.send(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code>"
                             "<Message>bad request</Message></Error></ErrorResponse>",
                             "text/xml")
        count("sts")
        self.send(200, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                  "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s"
                  "</SecretAccessKey><SessionToken>sts-token</SessionToken><Expiration>%s"
                  "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
                  "</AssumeRoleWithWebIdentityResponse>" % (A.key, A.secret, expiry()),
                  "text/xml")

    def do_PUT(self):
        if self.path != "/latest/api/token" or \
                "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers:
            return self.refuse(400, "bad token request")
        count("imds_token")
        self.send(200, IMDS_TOKEN, "text/plain")

    def do_GET(self):
        if self.path == "/container":
            if self.headers.get("Authorization") != A.auth:
                return self.refuse(401, "bad authorization")
            count("container")
            return self.send(200, self.creds_json())
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path.startswith(base):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.refuse(401, "missing IMDSv2 token")
            if self.path == base:
                count("imds_role")
                return self.send(200, "test-role\n", "text/plain")
            if self.path == base + "test-role":
                count("imds_creds")
                return self.send(200, self.creds_json())
        self.refuse(404, "no such path")


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--counts", required=True)
    p.add_argument("--key", default="S3RVER")
    p.add_argument("--secret", default="S3RVER")
    p.add_argument("--web-token", default="web-identity-jwt")
    p.add_argument("--auth", default="container-auth-token")
    p.add_argument("--expires", type=int, default=3600)
    A = p.parse_args()
    save()
    s = http.server.ThreadingHTTPServer(("127.0.0.1", A.listen), H)
    s.daemon_threads = True
    s.serve_forever()


if __name__ == "__main__":
    main()
