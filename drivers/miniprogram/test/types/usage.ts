// Compiled by types.test.js with `tsc --noEmit --strict`: the typings accept real use and
// the real `wx` (miniprogram-api-typings) fits `Host`.
/// <reference types="miniprogram-api-typings" />
import { createLogin, Host, Login, LoginFailure, Session, WxLoginFailure } from '../../miniprogram_dist/index';

const host: Host = wx;
const login: Login = createLogin({
  baseUrl: 'https://api.example.com',
  host,
  timeouts: { wxLoginMs: 8000 },
  verify: { confirmIfOlderThanMs: 3600000 },
  onDiagnostic: (d) => console.log(d.type),
});

function describe(failure: LoginFailure): string {
  switch (failure.kind) {
    case 'wxLogin': return failure.errMsg;
    case 'timeout': return failure.step;
    case 'transport': return failure.error.kind;
    case 'server': return String(failure.status) + (failure.error ? failure.error.message : '');
    case 'malformedResponse': return failure.detail;
    case 'rejectedAfterRelogin': return 'rejected';
    case 'loggedOut': return 'logged out';
  }
}

login.session().then((s: Session) => s.expiresAt > Date.now(), (e: WxLoginFailure) => describe(e.failure));
const token: string | null = login.token();
login.request({ url: 'https://api.example.com/orders', method: 'POST', data: { id: 1 } })
  .then((res) => res.statusCode === 200 && token !== null);
