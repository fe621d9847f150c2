// 保单 (tab): my policies, in force or expired, a page at a time.
const {createPagedList, emptyList, listHandlers} = require('../../utils/paged-list')

Page(Object.assign(listHandlers('policies'), {
  data: {status: 'in_force', list: emptyList()},

  onLoad() {
    this.policies = createPagedList(this, {
      path: '/api/mp/policies',
      params: () => ({status: this.data.status}),
    })
    this.policies.reload()
  },

  onStatusChange(event) {
    this.setData({status: event.detail.name, list: emptyList()})
    this.policies.reload()
  },

  onOpen(event) {
    wx.navigateTo({url: `/pages/policy-detail/index?id=${event.detail.id}`})
  },
}))
