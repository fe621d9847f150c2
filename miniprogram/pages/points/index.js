// 积分明细: the balance (always the ledger's sum, computed by the server) and the entries.
const api = require('../../utils/api')
const format = require('../../utils/format')
const {createPagedList, emptyList} = require('../../utils/paged-list')

Page({
  data: {summary: {balance: '-', expiring: {}}, list: emptyList()},

  onLoad() {
    this.ledger = createPagedList(this, {
      path: '/api/mp/points/ledger',
      pageSize: 20,
      map: (entry) => Object.assign({}, entry, {
        amountText: format.points(entry.amount),
        when: format.dateTime(entry.created_at),
      }),
    })
    this.onRefresh()
  },

  onRefresh() {
    api.get('/api/mp/points', {}, {silent: true}).then((summary) => this.setData({summary})).catch(() => {})
    return this.ledger.reload()
  },

  onPullDownRefresh() {
    this.onRefresh().then(() => wx.stopPullDownRefresh())
  },

  onReachBottom() {
    this.ledger.more()
  },
})
