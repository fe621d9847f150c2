// 我的券: vouchers from redemptions and campaigns, by status.
const format = require('../../utils/format')
const {createPagedList, emptyList, listHandlers} = require('../../utils/paged-list')

Page(Object.assign(listHandlers('vouchers'), {
  data: {status: 'issued', list: emptyList()},

  onLoad() {
    this.vouchers = createPagedList(this, {
      path: '/api/mp/vouchers',
      pageSize: 20,
      params: () => ({status: this.data.status}),
      map: (v) => Object.assign({}, v, {expiresText: format.date(v.expires_at)}),
    })
  },

  onShow() {
    // Also when coming back from a voucher that was just cancelled.
    this.vouchers.reload()
  },

  onStatusChange(event) {
    this.setData({status: event.detail.name, list: emptyList()})
    this.vouchers.reload()
  },

  onOpen(event) {
    wx.navigateTo({url: `/pages/voucher-detail/index?id=${event.currentTarget.dataset.id}`})
  },
}))
