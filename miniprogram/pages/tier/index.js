// 会员权益: my tier, the contribution it is computed from, and every tier's conditions and benefits.
const api = require('../../utils/api')
const format = require('../../utils/format')

function condition(rule) {
  const parts = [`近12个月保费满 ${format.money(rule.min_premium_12m)}`]
  if (rule.min_years) parts.push(`合作满 ${rule.min_years} 年`)
  if (rule.max_claims_12m !== null && rule.max_claims_12m !== undefined) parts.push(`近12个月出险不超过 ${rule.max_claims_12m} 次`)
  return parts.join(',')
}

function gapText(tier) {
  if (!tier.next_tier || !tier.gap) return ''
  const needs = []
  if (Number(tier.gap.premium_12m) > 0) needs.push(`保费 ${format.money(tier.gap.premium_12m)}`)
  if (tier.gap.years > 0) needs.push(`合作 ${tier.gap.years} 年`)
  if (tier.gap.claims_over > 0) needs.push(`出险减少 ${tier.gap.claims_over} 次`)
  return needs.length ? `距${tier.next_tier.label}会员还差:${needs.join('、')}` : `已满足${tier.next_tier.label}会员条件,次日更新`
}

Page({
  data: {tier: null, levels: [], premiumText: '', gapText: '', error: ''},

  onLoad() {
    this.load()
  },

  load() {
    this.setData({error: ''})
    return api.get('/api/mp/tier')
      .then((tier) => this.setData({
        tier,
        premiumText: format.money(tier.contribution.premium_12m),
        gapText: gapText(tier),
        levels: (tier.tiers || []).map((rule) => Object.assign({}, rule, {
          current: rule.tier === tier.tier,
          conditionText: condition(rule),
        })),
      }))
      .catch((err) => this.setData({error: err.message}))
  },
})
