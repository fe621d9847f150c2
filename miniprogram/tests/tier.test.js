const {renderPage, mockApi, fail, settle, text, find, all, signIn} = require('./helpers')

const RULES = [
  {tier: 'silver', label: '白银', rank: 1, min_premium_12m: '3000.00', min_years: 0, max_claims_12m: null, benefits: ['免费洗车 2 次/年']},
  {tier: 'gold', label: '黄金', rank: 2, min_premium_12m: '6000.00', min_years: 1, max_claims_12m: 3, benefits: ['免费洗车 4 次/年', '理赔绿色通道']},
  {tier: 'platinum', label: '铂金', rank: 3, min_premium_12m: '12000.00', min_years: 2, max_claims_12m: 2, benefits: ['专属客户经理']},
]

test('shows my contribution, what the next tier needs, and every tier with conditions and benefits', async () => {
  signIn()
  mockApi({'GET /api/mp/tier': {tier: 'gold', tier_label: '黄金', benefits: RULES[1].benefits,
    contribution: {premium_12m: '8600.00', years: 1, claims_12m: 3},
    next_tier: RULES[2], gap: {premium_12m: '3400.00', years: 1, claims_over: 1}, tiers: RULES}})
  const page = renderPage('tier')
  await settle()

  expect(text(find(page, '.mine'))).toContain('我的等级:黄金会员')
  expect(text(find(page, '.mine'))).toContain('¥8,600.00')
  expect(text(find(page, '.gap'))).toBe('距铂金会员还差:保费 ¥3,400.00、合作 1 年、出险减少 1 次')
  const levels = all(page, '.level')
  expect(levels).toHaveLength(3)
  expect(text(levels[1])).toContain('当前等级')
  expect(text(levels[1])).toContain('近12个月保费满 ¥6,000.00,合作满 1 年,近12个月出险不超过 3 次')
  expect(text(levels[1])).toContain('理赔绿色通道')
  expect(text(levels[0])).not.toContain('当前等级')
})

test('a failure shows the message', async () => {
  signIn()
  mockApi({'GET /api/mp/tier': fail(500, '会员服务暂不可用')})
  const page = renderPage('tier')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('会员服务暂不可用')
})
