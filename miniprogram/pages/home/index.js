// 首页: VIP tier card, points with daily sign-in, shortcuts, policies expiring soon.
const api = require('../../utils/api')
const format = require('../../utils/format')
const {requestSubscription} = require('../../utils/subscribe')

// The card shows the contribution that counts toward tiers (premium, years), never the points.
function tierView(tier) {
  const contribution = tier.contribution || {}
  const premium = Number(contribution.premium_12m || 0)
  const next = tier.next_tier ? Number(tier.next_tier.min_premium_12m || 0) : 0
  const gap = tier.gap || {}
  return {
    tier: tier.tier,
    tier_label: tier.tier_label,
    years: contribution.years || 0,
    premiumText: format.money(contribution.premium_12m || 0),
    next_tier_label: tier.next_tier ? tier.next_tier.label : '',
    gapText: format.money(gap.premium_12m || 0),
    gapYears: gap.years || 0,
    progress: next > 0 ? Math.min(100, Math.round((premium / next) * 100)) : 100,
    benefits: tier.benefits || [],
  }
}

Page({
  data: {
    needLogin: false,
    loaded: false,
    error: '',
    tier: {},
    points: {balance: 0},
    signIn: {signed_today: false, streak: 0},
    signingIn: false,
    expiring: [],
  },

  onShow() {
    if (api.getRole() === 'resident_manager') {
      wx.reLaunch({url: '/pages/resident/index'})
      return
    }
    if (api.getToken()) {
      this.load()
      return
    }
    api.silentLogin().then((bound) => {
      if (bound && api.getRole() === 'resident_manager') wx.reLaunch({url: '/pages/resident/index'})
      else if (bound) this.load()
      else this.setData({needLogin: true})
    })
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh())
  },

  load() {
    this.setData({error: '', needLogin: false})
    return Promise.all([
      api.get('/api/mp/tier'),
      api.get('/api/mp/points'),
      api.get('/api/mp/points/sign-in'),
      api.get('/api/mp/policies/expiring', {days: 60}),
    ])
      .then(([tier, points, signIn, expiring]) => {
        this.setData({
          loaded: true,
          tier: tierView(tier),
          points,
          signIn,
          expiring: (expiring || []).map((p) => Object.assign({}, p, {lineText: p.line_label || format.line(p.line)})),
        })
      })
      .catch((err) => {
        if (err.status === 401) this.setData({needLogin: true})
        else this.setData({error: err.message})
      })
  },

  onSignIn() {
    if (this.data.signIn.signed_today || this.data.signingIn) return
    this.setData({signingIn: true})
    api.post('/api/mp/points/sign-in')
      .then((result) => {
        this.setData({
          signIn: {signed_today: true, streak: result.streak, next_bonus: null},
          'points.balance': result.balance,
        })
        const earned = (result.awarded || 0) + (result.bonus || 0)
        wx.showToast({title: `签到成功 +${earned}积分`, icon: 'none'})
      })
      .catch(() => {})
      .then(() => this.setData({signingIn: false}))
  },

  onRemindExpiry() {
    requestSubscription(['policyExpiry']).catch(() => {})
  },

  goLogin() {
    wx.navigateTo({url: '/pages/login/index'})
  },
  goTier() {
    wx.navigateTo({url: '/pages/tier/index'})
  },
  goPoints() {
    wx.navigateTo({url: '/pages/points/index'})
  },
  goExpiring() {
    wx.switchTab({url: '/pages/policies/index'})
  },
  goPolicy(event) {
    wx.navigateTo({url: `/pages/policy-detail/index?id=${event.currentTarget.dataset.id}`})
  },
})
