"""Local HTTP servers that speak the outside providers' APIs, for the real clients to talk to.

Each fake is a ThreadingHTTPServer on 127.0.0.1 and an ephemeral port, run in a daemon thread:

- `sms.FakeSms`: Tencent Cloud SMS SendSms (2021-01-11); verifies the TC3-HMAC-SHA256 signature.
- `wechat.FakeWeChat`: WeChat /cgi-bin/token, subscribe-message send, /sns/jscode2session.
- `wecom.FakeWeCom`: WeCom /cgi-bin/gettoken, app-message send, auth/getuserinfo, robot webhook.

Common surface (tests/fakes/base.py): `.base_url`, `.requests` (every non-token request, recorded
on arrival: method, path, query, headers, body, json, then the answer's status), `.delivered`
(accepted sends), `.token_fetches` (tokens issued; each new token invalidates the previous one),
`.fail_next(times, status=500 | errcode=43101 | stall=seconds)`, `.stall_next(seconds)`,
`.release_stalls()`, `.wait_for_requests(n)`, `.expire_token()`, `.reset()`, `.stop()`.
A stalled send is recorded on arrival and, once released, answered and counted as delivered even
if its client is gone (a worker killed mid-send): the provider got it, so the SMS went out.

For long runs: `fake.keep_requests = False` stops keeping each request; the counters
`.received_count`, `.accepted_count` and (SMS) `.accepted_by_context` (a Counter keyed by
SessionContext, where Baoyun puts the outbox dedupe key) still count. The fakes answer about
700 SendSms a second on this 2-core machine (Python's http.server is the limit).

In pytest use the fixtures of tests/fakes/plugin.py (`fake_sms`, `fake_wechat`, `fake_wecom`,
`live_messaging`). Outside pytest (benchmarks):

    from tests.fakes.sms import start_fake_sms
    from tests.fakes.plugin import fake_settings
    fake = start_fake_sms()
    app.config.update(fake_settings(sms_fake=fake))   # MESSAGING_MODE=live, SMS_* -> the fake
    ...
    fake.stop()

RQ workers in other processes reach the fake over HTTP; pass them the same settings (environment
variables SMS_API_BASE_URL, SMS_SECRET_ID, SMS_SECRET_KEY, SMS_SDK_APP_ID, MESSAGING_MODE=live).
"""
