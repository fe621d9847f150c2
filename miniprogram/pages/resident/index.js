// 驻店工作台 (resident managers): the dealer's plan progress this month and year, by line, and
// the repair referrals it received this month.
const api = require('../../utils/api')
const format = require('../../utils/format')

function percentText(completion) {
  if (completion === null || completion === undefined) return '未下达计划'
  return `${(Number(completion) * 100).toFixed(1)}%`
}

function progressView(key, title, p) {
  return {
    key,
    title,
    completionText: percentText(p.completion),
    percent: p.completion === null || p.completion === undefined ? 0 : Math.min(100, Math.round(Number(p.completion) * 100)),
    writtenText: format.money(p.written),
    planText: format.money(p.plan),
    policies: p.policies,
    lines: (p.lines || []).map((l) => Object.assign({}, l, {
      writtenText: format.money(l.written),
      planText: format.money(l.plan),
      completionText: percentText(l.completion),
    })),
  }
}

Page({
  data: {overview: null, periods: [], referralReserveText: '', error: ''},

  onShow() {
    this.load()
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh())
  },

  load() {
    this.setData({error: ''})
    return api.get('/api/mp/resident/overview')
      .then((overview) => this.setData({
        overview,
        periods: [progressView('month', '本月', overview.month), progressView('year', '本年', overview.year)],
        referralReserveText: format.money(overview.referrals_this_month.first_reserve),
      }))
      .catch((err) => this.setData({error: err.message}))
  },
})
