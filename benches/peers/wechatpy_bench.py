#!/usr/bin/env python3
"""wechatpy (Python) on the same bytes as the Rust peer benchmark, with wxlogin's ratio.

Operations (the same inputs as `src/fixtures.rs`):
  decrypt    WeChatWxaCrypto(session_key, iv, appid).decrypt_message(encryptedData)
             (base64, AES-128-CBC, PKCS#7, json.loads, the watermark's appid checked)
  signature  wechatpy.utils.check_wxa_signature(session_key, rawData, signature)
  err40029   the client's answer handling, BaseWeChatClient._handle_result, on the 40029 body
             (json.loads, errcode found, WeChatClientException raised)
  success    the same on the success body (json.loads, the dict returned)

wechatpy is optional. Without it this script says so and exits 0. With it, it times each
operation (median of interleaved rounds, like the Rust bench) and gets wxlogin's figures by
running the Rust bench with `--only wxlogin --machine` (or reads them from a file given with
`--ours FILE`, a saved output of that command), then prints wxlogin / wechatpy per operation.

    python3 -m venv /tmp/wxpy && /tmp/wxpy/bin/pip install wechatpy cryptography
    /tmp/wxpy/bin/python benches/peers/wechatpy_bench.py
"""

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "src", "fixtures.rs")
# As in the Rust bench: short batches (well under a scheduler time slice), many rounds, medians.
ROUNDS = 101
BATCH_SECONDS = 0.0005


def fixtures():
    """The constants of src/fixtures.rs, so both sides read the same bytes."""
    found = {}
    with open(FIXTURES, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("pub const "):
                continue
            name = line.split()[2].rstrip(":")
            value = line.split("=", 1)[1].strip().rstrip(";") if "=" in line else ""
            if not value:  # the value is on the next line
                value = next(f).strip().rstrip(";")
            for prefix, suffix in (('br#"', '"#'), ('r#"', '"#'), ('"', '"')):
                if value.startswith(prefix) and value.endswith(suffix):
                    found[name] = value[len(prefix):-len(suffix)]
                    break
    return found


def operations(fx):
    from wechatpy.client import WeChatClient
    from wechatpy.crypto import WeChatWxaCrypto
    from wechatpy.exceptions import WeChatClientException
    from wechatpy.utils import check_wxa_signature

    # An access token up front: no token fetch ever happens, nothing goes to the network.
    client = WeChatClient(fx["APP_ID"], "0123456789abcdef0123456789abcdef", access_token="t")

    class Answer:
        """What requests hands `_handle_result`: the body as `content`."""

        def __init__(self, body):
            self.content = body
            self.request = None

    def decrypt():
        crypto = WeChatWxaCrypto(fx["SESSION_KEY"], fx["IV"], fx["APP_ID"])
        return crypto.decrypt_message(fx["ENCRYPTED_DATA"])

    def signature():
        check_wxa_signature(fx["SIGNATURE_KEY"], fx["RAW_DATA"], fx["SIGNATURE"])

    err_body = fx["ERR_40029"].encode()
    ok_body = fx["SUCCESS"].encode()

    def err40029():
        try:
            client._handle_result(Answer(err_body))
        except WeChatClientException as e:
            return e.errcode
        raise AssertionError("40029 was accepted")

    def success():
        return client._handle_result(Answer(ok_body))

    # The same checks as the Rust side: every operation gives the expected answer.
    user = decrypt()
    assert user["nickName"] == "Band" and user["watermark"]["appid"] == fx["APP_ID"]
    signature()
    assert err40029() == 40029
    assert success()["openid"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
    return {"decrypt": decrypt, "err40029": err40029, "success": success, "signature": signature}


def time_all(ops):
    """Median ns per call of each operation over interleaved rounds."""
    names = list(ops)
    iters = {}
    for name in names:  # calibration, doubling as warm-up
        start = time.perf_counter()
        for _ in range(200):
            ops[name]()
        per_call = (time.perf_counter() - start) / 200
        iters[name] = max(20, int(BATCH_SECONDS / per_call))
    samples = {name: [] for name in names}
    for r in range(ROUNDS):
        for k in range(len(names)):
            name = names[(r + k) % len(names)]
            op, n = ops[name], iters[name]
            start = time.perf_counter_ns()
            for _ in range(n):
                op()
            samples[name].append((time.perf_counter_ns() - start) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def ours(argv):
    """wxlogin's figures: from `--ours FILE`, or by running the Rust bench."""
    if "--ours" in argv:
        with open(argv[argv.index("--ours") + 1], encoding="utf-8") as f:
            text = f.read()
    else:
        command = ["cargo", "run", "--quiet", "--release", "--manifest-path",
                   os.path.join(HERE, "Cargo.toml"), "--", "--only", "wxlogin", "--machine"]
        print("running:", " ".join(command), flush=True)
        try:
            text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"the Rust bench did not run ({e}); wxlogin's column stays empty")
            return {}
    figures = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[:2] == ["figure", "time"] and parts[3] == "wxlogin":
            figures[parts[2]] = float(parts[4])
    return figures


def main(argv):
    try:
        import wechatpy
    except ImportError:
        print("wechatpy is not installed: nothing measured (it is optional). To run this:")
        print("  python3 -m venv /tmp/wxpy && /tmp/wxpy/bin/pip install wechatpy cryptography")
        print("  /tmp/wxpy/bin/python " + os.path.relpath(__file__))
        return 0
    print(f"wechatpy {wechatpy.__version__}, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f}")
    theirs = time_all(operations(fixtures()))
    mine = ours(argv)
    if not mine:
        print("no `figure time OP wxlogin NS` lines found, so no ratios; --ours takes the output of")
        print("  cargo run --release --manifest-path benches/peers/Cargo.toml -- --only wxlogin --machine")
    print(f"\nmedian ns per call over {ROUNDS} interleaved rounds; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'operation':<10}{'wxlogin':>12}{'wechatpy':>12}{'wxlogin/wechatpy':>18}{'speed-up':>10}")
    for name, t in theirs.items():
        m = mine.get(name)
        if m is None:
            print(f"{name:<10}{'-':>12}{t:>12.0f}")
        else:
            print(f"{name:<10}{m:>12.0f}{t:>12.0f}{m / t:>17.3f}x{t / m:>9.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
