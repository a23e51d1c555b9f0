#!/usr/bin/python3
"""Checks the AWS Signature V4 of captured S3 requests against botocore's own computation.

usage: archive-sigv4-botocore.py REQUESTS.json

REQUESTS.json: [{"method", "uri" (as sent), "headers" {name: value} (as sent, Authorization
included), "region", "access_key_id", "secret_access_key"}]. For each request botocore's
S3SigV4Auth, given the URI and the headers as they were sent (less the transport's own:
User-Agent, Content-Length, Accept-Encoding, Connection), computes the canonical request and the
signature at the request's x-amz-date; the Authorization header must carry the same signed
headers and signature. First botocore itself is checked against AWS's published S3 examples
(S3 API reference, "Examples: Signature Calculations in AWS Signature Version 4").
Exit 0 when every signature matches, 1 naming the first that does not, 77 without botocore."""
import json
import sys

try:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover
    print(f"botocore is not installed ({e}); install python3-botocore", file=sys.stderr)
    sys.exit(77)

UNSIGNED = {"authorization", "user-agent", "content-length", "accept-encoding", "connection"}
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
AWS_EXAMPLES = [
    ("GET", "https://examplebucket.s3.amazonaws.com/test.txt",
     {"Range": "bytes=0-9", "x-amz-content-sha256": EMPTY},
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    ("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle",
     {"x-amz-content-sha256": EMPTY},
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    ("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
     {"x-amz-content-sha256": EMPTY},
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
]


def botocore_sign(method, uri, headers, region, access, secret):
    request = AWSRequest(method=method, url=uri,
                         headers={k: v for k, v in headers.items() if k.lower() not in UNSIGNED})
    request.context["timestamp"] = request.headers["x-amz-date"]
    auth = S3SigV4Auth(Credentials(access, secret), "s3", region)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    signed = auth.signed_headers(auth.headers_to_sign(request))
    return signature, signed, canonical


def main():
    for method, uri, headers, expected in AWS_EXAMPLES:
        headers = dict(headers, **{"x-amz-date": "20130524T000000Z",
                                   "Host": "examplebucket.s3.amazonaws.com"})
        sig, _, canonical = botocore_sign(method, uri, headers, "us-east-1",
                                          "AKIAIOSFODNN7EXAMPLE",
                                          "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        if sig != expected:
            print(f"botocore does not reproduce AWS's example {method} {uri}: {sig}\n{canonical}",
                  file=sys.stderr)
            return 1
    with open(sys.argv[1], encoding="utf-8") as f:
        requests = json.load(f)
    for r in requests:
        headers = r["headers"]
        authorization = next(v for k, v in headers.items() if k.lower() == "authorization")
        fields = dict(part.strip().split("=", 1) for part in
                      authorization.split(" ", 1)[1].split(","))
        sig, signed, canonical = botocore_sign(r["method"], r["uri"], headers, r["region"],
                                               r["access_key_id"], r["secret_access_key"])
        if fields["Signature"] != sig or fields["SignedHeaders"] != signed:
            print(f"{r['method']} {r['uri']}: sent SignedHeaders={fields['SignedHeaders']} "
                  f"Signature={fields['Signature']}, botocore computes SignedHeaders={signed} "
                  f"Signature={sig} over\n{canonical}", file=sys.stderr)
            return 1
    print(f"{len(requests)} requests and {len(AWS_EXAMPLES)} AWS examples: "
          "every signature as botocore computes it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
