// 理赔进度: my claims, newest first, with the stage each one has reached.
const format = require('../../utils/format')
const {createPagedList, emptyList, listHandlers} = require('../../utils/paged-list')

Page(Object.assign(listHandlers('claims'), {
  data: {list: emptyList()},

  onLoad() {
    this.claims = createPagedList(this, {
      path: '/api/mp/claims',
      map: (claim) => Object.assign({}, claim, {
        reportedText: format.dateTime(claim.reported_at),
        paidText: format.money(claim.paid),
      }),
    })
    this.claims.reload()
  },

  onOpen(event) {
    wx.navigateTo({url: `/pages/claim-detail/index?id=${event.currentTarget.dataset.id}`})
  },
}))
