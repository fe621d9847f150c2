const {renderPage, mockApi, ok, fail, settle, text, find, tap, stubWx, signIn} = require('./helpers')

const TIER = {tier: 'gold', tier_label: '黄金', benefits: ['免费洗车 4 次/年', '优先理赔'],
  contribution: {premium_12m: '8600.00', years: 3, claims_12m: 0},
  next_tier: {tier: 'platinum', label: '铂金', min_premium_12m: '10000.00', min_years: 3},
  gap: {premium_12m: '1400.00', years: 0, claims_over: 0}}

function backend(overrides = {}) {
  return mockApi(Object.assign({
    'GET /api/mp/tier': TIER,
    'GET /api/mp/points': {balance: 1280, expiring: {points: 200, on: '2026-12-31'}},
    'GET /api/mp/points/sign-in': {signed_today: false, streak: 4, next_bonus: {day: 7, points: 50, in_days: 3}},
    'POST /api/mp/points/sign-in': {awarded: 10, bonus: 5, streak: 5, balance: 1295},
    'GET /api/mp/policies/expiring': [{id: 7, plate: '川A12345', line: 'commercial', line_label: '商业险',
      end_date: '2026-12-31', days_left: 36}],
    'POST /api/mp/subscriptions': {recorded: 1},
  }, overrides))
}

test('shows the tier card, points balance, sign-in streak and expiring policies the API returned', async () => {
  signIn()
  const api = backend()
  const page = renderPage('home')
  await settle()

  expect(text(find(page, '.tier-name'))).toBe('黄金会员')
  expect(text(find(page, '.tier-card'))).toContain('¥8,600.00')
  expect(text(find(page, '.tier-card'))).toContain('再投保 ¥1,400.00 可升级为铂金会员')
  expect(text(find(page, '.tier-card'))).toContain('免费洗车 4 次/年')
  expect(text(find(page, '.points-balance'))).toBe('1280')
  expect(text(find(page, '.streak'))).toBe('已连续签到 4 天')
  expect(text(find(page, '.next-bonus'))).toBe('再签 3 天额外得 50 积分')
  expect(text(find(page, '.expiring-points'))).toBe('200 积分将于 2026-12-31 过期')
  expect(text(find(page, '.expiring-item'))).toContain('川A12345 商业险')
  expect(text(find(page, '.expiring-item'))).toContain('(剩 36 天)')
  expect(api.find('GET', '/api/mp/policies/expiring')[0].query).toEqual({days: '60'})
  expect(api.calls[0].header.Authorization).toBe('Bearer test-token')
  expect(api.unmatched).toEqual([])
})

test('tapping sign-in posts once, updates balance and streak, and disables the button', async () => {
  signIn()
  const api = backend()
  const page = renderPage('home')
  await settle()

  await tap(page, '#sign-in', '.van-button')
  await tap(page, '#sign-in', '.van-button') // second tap: already signed in today

  expect(api.find('POST', '/api/mp/points/sign-in')).toHaveLength(1)
  expect(text(find(page, '.points-balance'))).toBe('1295')
  expect(text(find(page, '.streak'))).toBe('已连续签到 5 天')
  expect(text(find(page, '#sign-in'))).toBe('今日已签到')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '签到成功 +15积分'}))
})

test('a refused sign-in shows the API message and leaves the balance alone', async () => {
  signIn()
  backend({'POST /api/mp/points/sign-in': fail(409, '今天已经签到过了', 'already_signed_in')})
  const page = renderPage('home')
  await settle()

  await tap(page, '#sign-in', '.van-button')

  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '今天已经签到过了'}))
  expect(text(find(page, '.points-balance'))).toBe('1280')
})

test('a failed load shows the error message with a retry that loads again', async () => {
  signIn()
  let tierCalls = 0
  backend({'GET /api/mp/tier': () => (++tierCalls === 1 ? fail(503, '会员服务暂不可用,请稍后再试') : ok(TIER))})
  const page = renderPage('home')
  await settle()

  expect(text(find(page, '#load-error'))).toContain('会员服务暂不可用,请稍后再试')
  expect(page.querySelector('.tier-card')).toBeFalsy()

  await tap(page, '#load-error', '.retry', '.van-button')
  expect(text(find(page, '.tier-name'))).toBe('黄金会员')
})

test('an unbound WeChat user is asked to log in and bind', async () => {
  stubWx('login', {code: 'wx-code-1'})
  const api = backend({'POST /api/mp/auth/login': {token: 'bind-only', bound: false, role: null}})
  const page = renderPage('home')
  await settle()

  expect(api.find('POST', '/api/mp/auth/login')[0].data).toEqual({code: 'wx-code-1'})
  expect(text(find(page, '.login-card'))).toContain('登录并绑定保单后')
  expect(wx.getStorageSync('baoyun.bindToken')).toBe('bind-only')
  await tap(page, '#go-login', '.van-button')
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/login/index'})
})

test('opening expiry reminders asks for the subscription and records the accepted template', async () => {
  signIn()
  const api = backend()
  stubWx('requestSubscribeMessage', {POLICY_EXPIRY_TEMPLATE_ID: 'accept'})
  const page = renderPage('home')
  await settle()

  await tap(page, '#remind-expiry', '.van-button')

  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['POLICY_EXPIRY_TEMPLATE_ID'])
  expect(api.find('POST', '/api/mp/subscriptions')[0].data).toEqual({template_ids: ['POLICY_EXPIRY_TEMPLATE_ID']})
})

test('a resident manager is sent to the dealer workbench; the tier card opens 会员权益', async () => {
  signIn('resident_manager')
  const api = backend()
  renderPage('home')
  await settle()
  expect(wx.reLaunch).toHaveBeenCalledWith({url: '/pages/resident/index'})
  expect(api.calls).toHaveLength(0)

  signIn('customer')
  const page = renderPage('home')
  await settle()
  await tap(page, '.tier-card')
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/tier/index'})
})
