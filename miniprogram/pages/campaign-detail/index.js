// 活动详情: draw the lottery or open the red packet. Each tap is one request id; the server
// answers a repeated id with the same result, so a retry never draws twice.
const api = require('../../utils/api')
const format = require('../../utils/format')

function usageText(c) {
  const parts = []
  if (c.draw_cost_points) parts.push(`每次消耗 ${c.draw_cost_points} 积分`)
  if (c.my && c.my.remaining !== null && c.my.remaining !== undefined) parts.push(`您还可参与 ${c.my.remaining} 次`)
  if (c.daily_limit) parts.push(`每天限 ${c.daily_limit} 次`)
  return parts.join(' · ')
}

Page({
  data: {campaign: null, error: '', result: null, playing: false, canPlay: false, playText: '', usageText: ''},

  onLoad(query) {
    this.campaignId = query.id
    this.load()
  },

  load() {
    this.setData({error: ''})
    return api.get(`/api/mp/campaigns/${this.campaignId}`)
      .then((c) => {
        const remaining = c.my ? c.my.remaining : null
        const exhausted = remaining !== null && remaining !== undefined && remaining <= 0
        let playText = c.kind === 'red_packet' ? '领取红包' : '立即抽奖'
        if (c.sold_out) playText = '已发完'
        else if (exhausted) playText = '今日次数已用完'
        this.setData({
          campaign: Object.assign({}, c, {
            my_draws: (c.my_draws || []).map((d) => Object.assign({}, d, {when: format.dateTime(d.created_at)})),
          }),
          usageText: usageText(c),
          canPlay: !c.sold_out && !exhausted,
          playText,
        })
      })
      .catch((err) => this.setData({error: err.message}))
  },

  onPlay() {
    if (!this.data.canPlay || this.data.playing) return
    if (!this.requestId) this.requestId = api.newRequestId()
    const action = this.data.campaign.kind === 'red_packet' ? 'claim' : 'draw'
    this.setData({playing: true})
    api.post(`/api/mp/campaigns/${this.campaignId}/${action}`, {request_id: this.requestId})
      .then((result) => {
        this.requestId = null
        this.setData({result})
        return this.load()
      })
      .catch((err) => {
        if (err.status !== 0) this.requestId = null
      })
      .then(() => this.setData({playing: false}))
  },

  goVoucher(event) {
    wx.navigateTo({url: `/pages/voucher-detail/index?id=${event.currentTarget.dataset.id}`})
  },
})
