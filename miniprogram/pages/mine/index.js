// 我的 (tab): who I am, my vehicles, and the way to everything else.
const api = require('../../utils/api')

Page({
  data: {me: null, vehicles: [], error: '', needLogin: false},

  onShow() {
    if (!api.getToken()) {
      this.setData({needLogin: true, me: null, vehicles: []})
      return
    }
    this.load()
  },

  load() {
    this.setData({error: '', needLogin: false})
    return Promise.all([api.get('/api/mp/me'), api.get('/api/mp/vehicles')])
      .then(([me, vehicles]) => this.setData({me, vehicles: vehicles || []}))
      .catch((err) => this.setData({error: err.message}))
  },

  goLogin() {
    wx.navigateTo({url: '/pages/login/index'})
  },
})
