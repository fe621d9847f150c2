// 保单 (tab): my policies, in force or expired, a page at a time.
const {createPagedList, emptyList} = require('../../utils/paged-list')

Page({
  data: {status: 'in_force', list: emptyList()},

  onLoad() {
    this.policies = createPagedList(this, {
      path: '/api/mp/policies',
      params: () => ({status: this.data.status}),
    })
    this.policies.reload()
  },

  onPullDownRefresh() {
    this.policies.reload().then(() => wx.stopPullDownRefresh())
  },

  onReachBottom() {
    this.policies.more()
  },

  onStatusChange(event) {
    this.setData({status: event.detail.name, list: emptyList()})
    this.policies.reload()
  },

  onRetry() {
    this.policies.reload()
  },

  onOpen(event) {
    wx.navigateTo({url: `/pages/policy-detail/index?id=${event.detail.id}`})
  },
})
