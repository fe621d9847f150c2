// 送修赔案 (resident managers): claims sent to their dealer for repair; names and plates masked.
const format = require('../../utils/format')
const {createPagedList, emptyList, listHandlers} = require('../../utils/paged-list')

Page(Object.assign(listHandlers('referrals'), {
  data: {list: emptyList()},

  onLoad() {
    this.referrals = createPagedList(this, {
      path: '/api/mp/resident/referrals',
      pageSize: 20,
      map: (r) => Object.assign({}, r, {
        reserveText: format.money(r.first_reserve),
        paidText: format.money(r.paid),
        reportedText: format.dateTime(r.reported_at),
      }),
    })
    this.referrals.reload()
  },
}))
