// 保运 mini-program entry: keeps the session in storage (utils/api.js) and nothing else global.
const api = require('./utils/api')

App({
  globalData: {
    // Set by pages that hand data to the next page (e.g. the mall item after a redemption).
    lastVoucherId: null,
  },

  onLaunch() {
    // A returning, bound user gets a fresh token quietly; pages that need one will ask again.
    if (!api.getToken()) api.silentLogin()
  },
})
