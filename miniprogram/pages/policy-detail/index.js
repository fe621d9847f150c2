// 保单详情: one of my policies, its coverages, and a renewal quote request.
const api = require('../../utils/api')
const format = require('../../utils/format')
const {requestSubscription} = require('../../utils/subscribe')

function policyView(p) {
  const vehicle = p.vehicle || {}
  return Object.assign({}, p, {
    plate: p.plate || vehicle.plate,
    stateText: p.state_label || format.policyStatus(p.state),
    lineText: p.line_label || format.line(p.line),
    premiumText: format.money(p.written_premium),
    vehicleText: [vehicle.brand, vehicle.model].filter(Boolean).join(' ') || p.vehicle_name || '-',
    coverages: (p.coverages || []).map((c) => ({
      coverage: c.coverage,
      label: c.label || c.coverage,
      sumText: c.sum_insured ? `保额 ${format.money(c.sum_insured)}` : '',
      premiumText: format.money(c.premium),
    })),
  })
}

Page({
  data: {policy: null, error: '', requesting: false, requested: false},

  onLoad(query) {
    this.policyId = query.id
    this.load()
  },

  load() {
    this.setData({error: ''})
    return api.get(`/api/mp/policies/${this.policyId}`)
      .then((policy) => this.setData({policy: policyView(policy), requested: Boolean(policy.renewal_quote_requested)}))
      .catch((err) => this.setData({error: err.message}))
  },

  onRequestQuote() {
    if (this.data.requesting) return
    this.setData({requesting: true})
    api.post(`/api/mp/policies/${this.policyId}/renewal-quote-requests`, {})
      .then((request) => {
        this.setData({requested: true})
        wx.showToast({title: request.created === false ? '您已申请过,请留意来电' : '已提交,请留意来电', icon: 'none'})
      })
      .catch(() => {})
      .then(() => this.setData({requesting: false}))
  },

  onRemindExpiry() {
    requestSubscription(['policyExpiry']).catch(() => {})
  },
})
