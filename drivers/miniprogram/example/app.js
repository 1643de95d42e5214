// Logs in at launch. Every page shares this one login: concurrent callers join one flow.
const { createLogin } = require('wxlogin-miniprogram');

// Your developer server: POST /login with {"code"} and GET /session, as wxlogin's server side
// answers them. Add its domain to the request domain list in the mini program admin console.
const BASE_URL = 'https://api.example.com';

App({
  onLaunch() {
    this.login = createLogin({
      baseUrl: BASE_URL,
      onDiagnostic: (d) => console.debug('wxlogin', d.type, d.event || d.command || ''),
    });
    this.login.session().then(
      (session) => console.log('logged in until', new Date(session.expiresAt).toISOString()),
      // A failure keeps what the world said: errMsg and errno, status, the server's error.
      (error) => console.error('login failed', error.kind, error.failure || error.message),
    );
  },
});
