#!/usr/bin/python3
"""Generate vectors.json: what boto3's generate_presigned_post returns for a
wide range of inputs, for boto3_test.go to compare s3post against.

Run it with Debian's Python, which has boto3 1.26.27 / botocore 1.29.27:

    apt-get install python3-boto3
    /usr/bin/python3 testdata/boto3/generate.py

It writes testdata/boto3/vectors.json next to itself. The output is
deterministic: the clock is frozen, the credentials are fixed fake ones, the
environment and the user's AWS config files are ignored, and the JSON is
written with sorted keys, so running it twice gives the same bytes.

Each vector records the inputs exactly as passed to boto3 (a null means the
argument was not passed) and boto3's outputs: the URL, the form fields and
the policy document decoded from base64, exactly as boto3 wrote it. When
boto3 itself raises, the outputs hold the error instead.
"""

import base64
import copy
import datetime
import json
import os
import sys
import types
from unittest import mock

# Keep the caller's AWS environment and config files out of the clients.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import boto3  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.signers  # noqa: E402
from botocore.config import Config  # noqa: E402

EXPECTED_VERSIONS = ("1.26.27", "1.29.27")

# Fake credentials only: AWS's documentation example keys.
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEMP_ACCESS_KEY = "ASIAIOSFODNN7EXAMPLE"
TEMP_SECRET_KEY = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLEtoken+with/slashes+and=="

NOW = "2026-01-02T03:04:05Z"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vectors.json")


def parse_now(text):
    """Returns the naive UTC datetime that botocore's utcnow() would."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def frozen_datetime_module(now):
    """Returns a stand-in for the datetime module whose datetime.utcnow()
    always returns now. botocore 1.29 reads the clock twice for a POST,
    both times as datetime.datetime.utcnow() on its own module reference:
    botocore.signers.S3PostPresigner.generate_presigned_post (for the policy
    expiration) and botocore.auth.S3SigV4PostAuth.add_auth (for x-amz-date
    and the credential scope)."""

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return now

        @classmethod
        def now(cls, tz=None):
            return now if tz is None else now.replace(tzinfo=datetime.timezone.utc).astimezone(tz)

    module = types.ModuleType("datetime")
    module.__dict__.update(datetime.__dict__)
    module.datetime = FrozenDatetime
    return module


# Each case lists the inputs that differ from these defaults.
DEFAULTS = {
    "region": "us-east-1",
    "access_key": ACCESS_KEY,
    "secret_key": SECRET_KEY,
    "session_token": None,
    "now": NOW,
    "bucket": "example-bucket",
    "key": "uploads/photo.jpg",
    "fields": None,
    "conditions": None,
    "expires_in": None,
    "addressing_style": None,
    "endpoint_url": None,
    "use_accelerate_endpoint": False,
    "use_dualstack_endpoint": False,
    "use_fips_endpoint": False,
}

TOKEN = {
    "access_key": TEMP_ACCESS_KEY,
    "secret_key": TEMP_SECRET_KEY,
    "session_token": SESSION_TOKEN,
}

CASES = [
    # --- keys ---
    dict(name="plain-key", reason="the simplest form: a fixed key, no fields, no conditions, default lifetime"),
    dict(name="filename-at-end", reason="${filename} at the very end of the key, the one place boto3 handles it",
         key="uploads/${filename}"),
    dict(name="filename-only", reason="the key is just ${filename}: a starts-with on the empty prefix",
         key="${filename}"),
    dict(name="filename-in-middle", reason="${filename} in the middle of the key: boto3 signs an exact match that S3 can never meet",
         key="uploads/${filename}/original.jpg"),
    dict(name="filename-twice", reason="${filename} twice: boto3 strips only the last one, leaving the variable in its prefix",
         key="users/${filename}/${filename}"),
    dict(name="key-unicode", reason="accented letters in the key are escaped as \\u00xx in the policy",
         key="photos/\u00e9t\u00e9/na\u00efve caf\u00e9.jpg"),
    dict(name="key-emoji", reason="characters above the BMP are escaped as UTF-16 surrogate pairs",
         key="emoji/\U0001F600\U0001F389 party.png"),
    dict(name="key-quotes-backslashes", reason="quotes and backslashes must be escaped, not end the JSON string",
         key="odd/a\"b\\c'd\\\\e\".txt"),
    dict(name="key-control-chars", reason="control characters use the short escapes where JSON has them, \\u00xx otherwise, DEL included",
         key="ctl/\t\n\r\b\f\x01\x1f\x7f.bin"),
    dict(name="key-json-injection", reason="a key that tries to close the condition and add its own stays one string",
         key="x\"}, {\"acl\": \"public-read\"}, {\"y\": \"z"),
    dict(name="key-url-characters", reason="spaces, plus, percent, ampersand and question mark go into the field and policy as they are",
         key="my folder/a b+c%20d&e=f?g#h.txt"),
    dict(name="key-cjk-separators", reason="CJK, line and paragraph separators and a BOM are all escaped",
         key="\u6587\u4ef6/\u2028\u2029\ufeff.txt"),
    # --- fields, with and without conditions ---
    dict(name="acl-with-condition", reason="a field with its own exact-match condition",
         fields={"acl": "public-read"}, conditions=[{"acl": "public-read"}]),
    dict(name="acl-without-condition", reason="a field without a condition: boto3 adds none, so S3 would reject the form",
         fields={"acl": "public-read"}),
    dict(name="content-type-starts-with", reason="a field covered by a starts-with condition",
         fields={"Content-Type": "image/png"}, conditions=[["starts-with", "$Content-Type", "image/"]]),
    dict(name="condition-field-case", reason="the condition names the field in another case; S3 field names are case-insensitive",
         fields={"Content-Type": "image/png"}, conditions=[["starts-with", "$content-type", "image/"]]),
    dict(name="success-action-status-with-condition", reason="success_action_status with its condition",
         fields={"success_action_status": "201"}, conditions=[{"success_action_status": "201"}]),
    dict(name="success-action-redirect-without-condition", reason="success_action_redirect without a condition",
         fields={"success_action_redirect": "https://example.com/done?id=42&ok=1"}),
    dict(name="meta-fields-mixed", reason="several fields, only one with a condition: the others get exact matches sorted by lower-case name",
         fields={"x-amz-meta-b": "2", "X-Amz-Meta-A": "1", "x-amz-meta-c": "3", "Content-Type": "text/plain", "Cache-Control": "max-age=60"},
         conditions=[{"x-amz-meta-c": "3"}]),
    dict(name="field-unicode-with-condition", reason="non-ASCII, quotes, backslashes and emoji in a field value and its condition",
         fields={"x-amz-meta-title": "\u00dcn\u00efc\u00f8d\u00e9 \"quoted\" \\ \U0001F600"},
         conditions=[{"x-amz-meta-title": "\u00dcn\u00efc\u00f8d\u00e9 \"quoted\" \\ \U0001F600"}]),
    dict(name="field-control-chars-without-condition", reason="control characters and NUL in a field value without a condition",
         fields={"x-amz-meta-note": "line1\nline2\tend\x00\x7f"}),
    dict(name="condition-value-unicode-starts-with", reason="a starts-with prefix with non-ASCII characters",
         fields={"x-amz-meta-city": "Z\u00fcrich \u65e5\u672c"}, conditions=[["starts-with", "$x-amz-meta-city", "Z\u00fc"]]),
    dict(name="content-disposition-filename-with-condition", reason="${filename} in a field value that has a matching starts-with condition",
         fields={"Content-Disposition": "attachment; filename=\"${filename}\""},
         conditions=[["starts-with", "$Content-Disposition", "attachment; "]]),
    dict(name="content-disposition-filename-without-condition", reason="${filename} in a field value without a condition: an exact match could never pass",
         fields={"Content-Disposition": "attachment; filename=\"${filename}\""}),
    dict(name="starts-with-empty-prefix", reason="starts-with \"\" lets the browser add a field with any value",
         conditions=[["starts-with", "$x-amz-meta-tag", ""]]),
    dict(name="starts-with-empty-prefix-with-field", reason="starts-with \"\" on a field that is also set",
         fields={"x-amz-meta-tag": "anything"}, conditions=[["starts-with", "$x-amz-meta-tag", ""]]),
    dict(name="eq-array-form", reason="the [\"eq\", \"$field\", value] form of an exact match",
         fields={"acl": "private"}, conditions=[["eq", "$acl", "private"]]),
    dict(name="content-length-range", reason="a size range",
         conditions=[["content-length-range", 1, 10485760]]),
    dict(name="content-length-range-zero-to-5gib", reason="a size range from 0 to 5 GiB, past 32 bits",
         conditions=[["content-length-range", 0, 5368709120]]),
    dict(name="kitchen-sink", reason="many fields, each with a condition (one in the [\"eq\", ...] form), in the caller's order",
         key="users/42/${filename}",
         fields={
             "acl": "bucket-owner-full-control",
             "Content-Type": "image/jpeg",
             "Cache-Control": "no-cache",
             "success_action_status": "204",
             "x-amz-meta-uuid": "14365123651274",
             "x-amz-server-side-encryption": "AES256",
         },
         conditions=[
             {"acl": "bucket-owner-full-control"},
             ["starts-with", "$Content-Type", "image/"],
             ["eq", "$Cache-Control", "no-cache"],
             {"success_action_status": "204"},
             {"x-amz-meta-uuid": "14365123651274"},
             {"x-amz-server-side-encryption": "AES256"},
             ["starts-with", "$x-amz-meta-tag", ""],
             ["content-length-range", 1024, 20971520],
         ]),
    dict(name="kitchen-sink-object-form", reason="like kitchen-sink with only object and starts-with forms: the policy is boto3's byte for byte",
         key="users/42/${filename}",
         fields={
             "acl": "bucket-owner-full-control",
             "Content-Type": "image/jpeg",
             "success_action_redirect": "https://example.com/ok",
             "x-amz-meta-uuid": "14365123651274",
         },
         conditions=[
             {"acl": "bucket-owner-full-control"},
             ["starts-with", "$Content-Type", "image/"],
             ["starts-with", "$success_action_redirect", "https://example.com/"],
             {"x-amz-meta-uuid": "14365123651274"},
             ["content-length-range", 1024, 20971520],
         ]),
    # --- conditions on the key ---
    dict(name="caller-key-starts-with", reason="the caller constrains the key; boto3 adds its own key condition too",
         key="uploads/${filename}", conditions=[["starts-with", "$key", "uploads/"]]),
    dict(name="caller-key-eq", reason="the caller gives an exact match on the key",
         key="exact.txt", conditions=[{"key": "exact.txt"}]),
    dict(name="caller-key-other-case", reason="the caller's key condition names the field $Key",
         key="uploads/a.txt", conditions=[["starts-with", "$Key", "uploads/"]]),
    # --- lifetimes and clocks ---
    dict(name="expires-1s", reason="the shortest lifetime", expires_in=1),
    dict(name="expires-15min", reason="a 15-minute lifetime", expires_in=900),
    dict(name="expires-7d", reason="the longest lifetime SigV4 allows", expires_in=604800),
    dict(name="now-with-fraction", reason="a clock with microseconds: both sides drop the fraction",
         now="2026-03-04T05:06:07.891234Z", expires_in=120),
    dict(name="now-crossing-year", reason="the form is signed on Dec 31 and expires on Jan 1",
         now="2025-12-31T23:30:00Z", expires_in=3600),
    # --- regions and addressing ---
    dict(name="eu-central-1-auto", reason="another region, default addressing", region="eu-central-1"),
    dict(name="eu-west-1-path", reason="another region, path-style", region="eu-west-1", addressing_style="path"),
    dict(name="ap-southeast-2-virtual", reason="another region, virtual-hosted requested", region="ap-southeast-2",
         addressing_style="virtual"),
    dict(name="us-east-1-path", reason="us-east-1, path-style", addressing_style="path"),
    dict(name="us-east-1-virtual", reason="us-east-1, virtual-hosted requested", addressing_style="virtual"),
    dict(name="cn-north-1-auto", reason="the China partition, default addressing", region="cn-north-1"),
    dict(name="cn-northwest-1-path", reason="the China partition, path-style", region="cn-northwest-1",
         addressing_style="path"),
    dict(name="us-gov-west-1-auto", reason="GovCloud, default addressing", region="us-gov-west-1"),
    dict(name="dotted-bucket-us-east-1", reason="a dotted bucket cannot be a TLS host label: path-style", bucket="my.example.bucket"),
    dict(name="dotted-bucket-eu-west-1", reason="a dotted bucket in another region: regional path-style",
         region="eu-west-1", bucket="my.example.bucket"),
    dict(name="legacy-bucket-us-east-1", reason="a legacy us-east-1 bucket name with capitals and underscores",
         bucket="Legacy_Bucket"),
    dict(name="uppercase-bucket-us-east-1", reason="a legacy us-east-1 bucket name with capitals only: path-style",
         bucket="MyBucket"),
    # --- accelerate, dual-stack, FIPS ---
    dict(name="accelerate", reason="Transfer Acceleration", use_accelerate_endpoint=True),
    dict(name="accelerate-eu-west-1", reason="Transfer Acceleration from another region: the same global host",
         region="eu-west-1", use_accelerate_endpoint=True),
    dict(name="accelerate-dualstack", reason="Transfer Acceleration over dual-stack",
         region="us-west-2", use_accelerate_endpoint=True, use_dualstack_endpoint=True),
    dict(name="dualstack-us-east-1", reason="dual-stack in us-east-1 is regional", use_dualstack_endpoint=True),
    dict(name="dualstack-eu-west-1-path", reason="dual-stack, path-style", region="eu-west-1",
         use_dualstack_endpoint=True, addressing_style="path"),
    dict(name="fips-us-east-1", reason="FIPS in us-east-1", use_fips_endpoint=True),
    dict(name="fips-us-west-2", reason="FIPS in us-west-2: boto3 posts to the us-east-1 FIPS host", region="us-west-2",
         use_fips_endpoint=True),
    dict(name="fips-dualstack-us-west-2", reason="FIPS and dual-stack in us-west-2: regional", region="us-west-2",
         use_fips_endpoint=True, use_dualstack_endpoint=True),
    dict(name="fips-us-gov-east-1", reason="FIPS in GovCloud", region="us-gov-east-1", use_fips_endpoint=True),
    dict(name="fips-dualstack-us-gov-west-1", reason="FIPS and dual-stack in GovCloud", region="us-gov-west-1",
         use_fips_endpoint=True, use_dualstack_endpoint=True),
    # --- custom endpoints ---
    dict(name="endpoint-ip", reason="an S3-compatible server on an IP address: path-style",
         endpoint_url="http://127.0.0.1:9000"),
    dict(name="endpoint-base-path", reason="an endpoint with a base path: the bucket goes after it",
         endpoint_url="https://storage.example.com/s3"),
    dict(name="endpoint-base-path-slash", reason="an endpoint with a base path and a trailing slash",
         endpoint_url="https://storage.example.com/s3/", addressing_style="path"),
    dict(name="endpoint-virtual", reason="an endpoint with virtual-hosted addressing",
         endpoint_url="https://storage.example.com", addressing_style="virtual"),
    dict(name="endpoint-virtual-base-path", reason="virtual-hosted addressing on an endpoint with a base path",
         endpoint_url="https://storage.example.com/s3", addressing_style="virtual"),
    dict(name="endpoint-custom-region", reason="an S3-compatible server with its own region name",
         region="garage", endpoint_url="http://localhost:3900"),
    dict(name="endpoint-virtual-http-dotted", reason="virtual-hosted addressing with a dotted bucket over plain http",
         endpoint_url="http://localhost:9000", addressing_style="virtual", bucket="my.example.bucket"),
    # --- temporary credentials ---
    dict(name="session-token", reason="temporary credentials add x-amz-security-token as a field and a condition", **TOKEN),
    dict(name="session-token-eu-west-2", reason="temporary credentials in another region with fields and conditions",
         region="eu-west-2", key="in/${filename}", fields={"acl": "private"}, conditions=[{"acl": "private"}], **TOKEN),
    # --- inputs that s3post refuses by design (boto3 signs a form S3 rejects, or silently changes the request) ---
    dict(name="reject-field-contradicts-eq", reason="the acl field does not equal its own condition",
         fields={"acl": "public-read"}, conditions=[{"acl": "private"}]),
    dict(name="reject-field-contradicts-starts-with", reason="the Content-Type field does not start with its condition's prefix",
         fields={"Content-Type": "text/plain"}, conditions=[["starts-with", "$Content-Type", "image/"]]),
    dict(name="reject-bucket-condition-other-bucket", reason="a bucket condition that names another bucket",
         conditions=[{"bucket": "other-bucket"}]),
    dict(name="reject-key-condition-contradicts-key", reason="a key condition that the key does not meet",
         key="uploads/a.txt", conditions=[["starts-with", "$key", "private/"]]),
    dict(name="reject-disjoint-length-ranges", reason="two size ranges that leave no possible size",
         conditions=[["content-length-range", 1, 10], ["content-length-range", 20, 30]]),
    dict(name="reject-virtual-dotted-bucket-aws", reason="virtual-hosted addressing asked for a dotted bucket: boto3 silently goes path-style",
         bucket="my.example.bucket", addressing_style="virtual"),
    dict(name="reject-virtual-dotted-bucket-custom-https", reason="virtual-hosted addressing on https with a dotted bucket: boto3 silently goes path-style",
         bucket="my.example.bucket", endpoint_url="https://storage.example.com", addressing_style="virtual"),
    dict(name="reject-virtual-ip-endpoint", reason="virtual-hosted addressing on an IP endpoint: boto3 silently goes path-style",
         endpoint_url="http://127.0.0.1:9000", addressing_style="virtual"),
    dict(name="reject-accelerate-path-style", reason="Transfer Acceleration with path-style asked for: boto3 silently goes virtual-hosted",
         use_accelerate_endpoint=True, addressing_style="path"),
    dict(name="reject-accelerate-govcloud", reason="Transfer Acceleration in GovCloud: boto3 posts to the commercial accelerate host",
         region="us-gov-west-1", use_accelerate_endpoint=True),
    dict(name="reject-fips-eu-west-1", reason="FIPS outside the US and Canada: boto3 posts to the us-east-1 FIPS host",
         region="eu-west-1", use_fips_endpoint=True),
    dict(name="reject-expires-over-7-days", reason="a lifetime over the 7 days SigV4 allows", expires_in=604801),
    dict(name="reject-expires-negative", reason="a negative lifetime: boto3 signs a form that has already expired", expires_in=-60),
    dict(name="reject-legacy-bucket-eu-west-1", reason="a bucket name with capitals and underscores outside us-east-1",
         region="eu-west-1", bucket="Legacy_Bucket"),
    dict(name="reject-uppercase-bucket-eu-west-1", reason="a bucket name with capitals outside us-east-1: boto3 posts it path-style to the global s3.amazonaws.com",
         region="eu-west-1", bucket="MyBucket"),
    dict(name="reject-multi-field-condition-object", reason="one condition object with two fields",
         fields={"acl": "private", "Content-Type": "image/png"},
         conditions=[{"acl": "private", "Content-Type": "image/png"}]),
    dict(name="reject-key-in-fields", reason="a key field that boto3 silently overwrites with Key",
         fields={"key": "other.txt"}),
    dict(name="reject-condition-on-signer-field", reason="a condition on x-amz-date, which the signer sets",
         conditions=[["starts-with", "$x-amz-date", "2026"]]),
    dict(name="reject-fields-differ-in-case", reason="two fields whose names differ only in case: S3 sees one field twice",
         fields={"Content-Type": "image/png", "content-type": "image/jpeg"}),
    # --- inputs that boto3 refuses too ---
    dict(name="reject-accelerate-dotted-bucket", reason="Transfer Acceleration with a dotted bucket",
         bucket="my.example.bucket", use_accelerate_endpoint=True),
    dict(name="reject-fips-china", reason="FIPS in the China partition", region="cn-north-1", use_fips_endpoint=True),
    dict(name="reject-fips-path-style", reason="FIPS with path-style addressing, which S3's endpoint rules forbid",
         use_fips_endpoint=True, addressing_style="path"),
    dict(name="reject-fips-dotted-bucket", reason="FIPS with a dotted bucket, which would need path-style addressing",
         region="us-west-2", bucket="my.example.bucket", use_fips_endpoint=True),
]


def make_client(case):
    s3 = {}
    if case["addressing_style"] is not None:
        s3["addressing_style"] = case["addressing_style"]
    if case["use_accelerate_endpoint"]:
        s3["use_accelerate_endpoint"] = True
    if case["use_dualstack_endpoint"]:
        s3["use_dualstack_endpoint"] = True
    config = Config(signature_version="s3v4", s3=s3, use_fips_endpoint=case["use_fips_endpoint"])
    session = boto3.session.Session(
        aws_access_key_id=case["access_key"],
        aws_secret_access_key=case["secret_key"],
        aws_session_token=case["session_token"],
        region_name=case["region"],
    )
    return session.client("s3", region_name=case["region"], endpoint_url=case["endpoint_url"], config=config)


def run(case):
    client = make_client(case)
    kwargs = {"Bucket": case["bucket"], "Key": case["key"]}
    # boto3 appends to the Conditions list it is given: pass copies, so the
    # inputs recorded are those the caller wrote.
    if case["fields"] is not None:
        kwargs["Fields"] = copy.deepcopy(case["fields"])
    if case["conditions"] is not None:
        kwargs["Conditions"] = copy.deepcopy(case["conditions"])
    if case["expires_in"] is not None:
        kwargs["ExpiresIn"] = case["expires_in"]
    now = parse_now(case["now"])
    fake = frozen_datetime_module(now)
    with mock.patch.object(botocore.signers, "datetime", fake), mock.patch.object(botocore.auth, "datetime", fake):
        try:
            result = client.generate_presigned_post(**kwargs)
        except Exception as e:  # boto3 refuses the input: record why
            return {"error": "%s: %s" % (type(e).__name__, e)}
    fields = result["fields"]
    policy = base64.b64decode(fields["policy"]).decode("utf-8")
    # Make sure the frozen clock reached both places that read it.
    want_date = now.strftime("%Y%m%dT%H%M%SZ")
    if fields["x-amz-date"] != want_date:
        sys.exit("%s: x-amz-date %s, want %s: the clock patch did not take" % (case["name"], fields["x-amz-date"], want_date))
    expires_in = 3600 if case["expires_in"] is None else case["expires_in"]
    want_expiration = (now + datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if json.loads(policy)["expiration"] != want_expiration:
        sys.exit("%s: policy expiration is not %s: the clock patch did not take" % (case["name"], want_expiration))
    return {"url": result["url"], "fields": fields, "policy": policy}


def main():
    versions = (boto3.__version__, botocore.__version__)
    if versions != EXPECTED_VERSIONS:
        print("warning: boto3 %s / botocore %s, while the vectors were made with boto3 %s / botocore %s; "
              "URLs and errors may change" % (versions + EXPECTED_VERSIONS), file=sys.stderr)
    vectors = []
    names = set()
    for c in CASES:
        case = dict(DEFAULTS)
        case.update(c)
        unknown = set(case) - set(DEFAULTS) - {"name", "reason"}
        if unknown:
            sys.exit("%s: unknown inputs %s" % (case["name"], sorted(unknown)))
        if case["name"] in names:
            sys.exit("duplicate case name %s" % case["name"])
        names.add(case["name"])
        inputs = {k: case[k] for k in DEFAULTS}
        vectors.append({"name": case["name"], "reason": case["reason"], "input": inputs, "output": run(case)})
    doc = {"boto3_version": versions[0], "botocore_version": versions[1], "vectors": vectors}
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %d vectors to %s" % (len(vectors), os.path.relpath(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
