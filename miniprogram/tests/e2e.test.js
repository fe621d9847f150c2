// End-to-end: pages talk to the real backend started by tests/test_miniprogram_e2e.py, which
// seeds the data and passes what it seeded in BAOYUN_E2E_EXPECT. Skipped when run on its own.
const {renderPage, waitFor, settle, text, all, find, tap, type, stubWx} = require('./helpers')

const baseUrl = process.env.BAOYUN_E2E_BASE_URL
const describeE2e = baseUrl ? describe : describe.skip
const expected = baseUrl ? JSON.parse(process.env.BAOYUN_E2E_EXPECT) : {}

describeE2e('pages against the real backend', () => {
  test('登录绑定 then 首页: wx.login -> bind by ID number + plate -> tier, points, sign-in', async () => {
    wx.setStorageSync('baoyun.apiBaseUrl', baseUrl)
    stubWx('login', {code: process.env.BAOYUN_E2E_LOGIN_CODE})
    const login = renderPage('login')
    all(find(login, '#method-tabs'), '.van-tab')[1].dispatchEvent('tap')
    await settle()
    await type(login, '#id-number', expected.id_number)
    await type(login, '#plate', expected.plates[0])
    await tap(login, '#bind', '.van-button')
    await waitFor(() => wx.reLaunch.mock.calls.length > 0)
    expect(wx.reLaunch).toHaveBeenCalledWith({url: '/pages/home/index'})
    expect(wx.getStorageSync('baoyun.role')).toBe('customer')
    expect(wx.getStorageSync('baoyun.token')).toBeTruthy()

    const home = renderPage('home')
    await waitFor(() => home.querySelector('.tier-name'))
    expect(text(find(home, '.tier-name'))).toBe(`${expected.tier_label}会员`)
    expect(text(find(home, '.tier-card'))).toContain(expected.benefit)
    expect(text(find(home, '.points-balance'))).toBe(String(expected.balance))
    expect(text(find(home, '.streak'))).toBe('已连续签到 0 天')

    await tap(home, '#sign-in', '.van-button')
    await waitFor(() => home.instance.data.signIn.signed_today)
    const after = Number(text(find(home, '.points-balance')))
    expect(after).toBeGreaterThan(expected.balance)
    expect(text(find(home, '.streak'))).toBe('已连续签到 1 天')
    expect(text(find(home, '#sign-in'))).toBe('今日已签到')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: `签到成功 +${after - expected.balance}积分`}))
  })

  describe('with a customer token', () => {
    beforeEach(() => {
      wx.setStorageSync('baoyun.apiBaseUrl', baseUrl)
      wx.setStorageSync('baoyun.token', process.env.BAOYUN_E2E_TOKEN)
      wx.setStorageSync('baoyun.role', 'customer')
    })

    test('我的: the customer the backend knows, masked mobile and tier', async () => {
      const page = renderPage('mine')
      await waitFor(() => page.querySelector('.profile') && text(find(page, '.profile')).includes(expected.name))
      expect(text(find(page, '.mobile'))).toBe(expected.mobile_masked)
      expect(text(find(page, '.tier'))).toBe(`${expected.tier_label}会员`)
      expect(all(page, '.vehicle').map(text).join(' ')).toContain(expected.plates[0])
      expect(wx.showToast).not.toHaveBeenCalled()
    })

    test('保单: the in-force policies from the database, a page at a time', async () => {
      const page = renderPage('policies')
      await waitFor(() => all(page, '.policy-item').length > 0)
      const first = all(page, '.policy-item').map(text)
      expect(first).toHaveLength(10)
      page.instance.onReachBottom()
      await waitFor(() => !page.instance.data.list.hasMore && !page.instance.data.list.loading)
      const shown = all(page, '.policy-item').map(text).join('\n')
      expected.in_force_numbers.forEach((number) => expect(shown).toContain(number))
      expect(all(page, '.policy-item')).toHaveLength(expected.in_force_numbers.length)
      expect(wx.showToast).not.toHaveBeenCalled()
    })
  })
})
