// One business request: the token header is added, and a 401 re-logs in once and replays once.
const app = getApp();

Page({
  data: { status: 'not asked yet' },

  loadOrders() {
    this.setData({ status: 'asking…' });
    app.login
      .request({ url: 'https://api.example.com/orders', method: 'GET', dataType: 'json' })
      .then(
        (res) => this.setData({ status: `HTTP ${res.statusCode}` }),
        (error) => this.setData({ status: `failed: ${error.kind || error.errMsg || error.message}` }),
      );
  },

  logout() {
    app.login.logout().then(() => this.setData({ status: 'logged out' }));
  },
});
