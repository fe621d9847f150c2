// 本店保单 (resident managers): policies written through their dealer; names and plates masked.
const {createPagedList, emptyList} = require('../../utils/paged-list')

Page({
  data: {list: emptyList()},

  onLoad() {
    this.policies = createPagedList(this, {path: '/api/mp/resident/policies', pageSize: 20})
    this.policies.reload()
  },

  onPullDownRefresh() {
    this.policies.reload().then(() => wx.stopPullDownRefresh())
  },

  onReachBottom() {
    this.policies.more()
  },

  onRetry() {
    this.policies.reload()
  },
})
