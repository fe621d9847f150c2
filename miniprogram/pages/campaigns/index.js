// 福利活动: lotteries and red packets running now.
const api = require('../../utils/api')
const format = require('../../utils/format')

Page({
  data: {campaigns: [], loaded: false, error: ''},

  onShow() {
    this.load()
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh())
  },

  load() {
    this.setData({error: ''})
    return api.get('/api/mp/campaigns')
      .then((campaigns) => this.setData({
        loaded: true,
        campaigns: campaigns.map((c) => Object.assign({}, c, {endsText: format.dateTime(c.ends_at)})),
      }))
      .catch((err) => this.setData({error: err.message}))
  },

  onOpen(event) {
    wx.navigateTo({url: `/pages/campaign-detail/index?id=${event.currentTarget.dataset.id}`})
  },
})
