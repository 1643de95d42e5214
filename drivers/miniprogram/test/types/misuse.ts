// Must NOT compile: types.test.js checks that tsc names each of these lines.
import { createLogin } from '../../miniprogram_dist/index';

createLogin({ loginPath: '/login' }); // MISUSE: no baseUrl
createLogin({ baseUrl: 'https://x', verify: 'sometimes' }); // MISUSE: no such policy
createLogin({ baseUrl: 'https://x' }).token().length; // MISUSE: token() may be null
