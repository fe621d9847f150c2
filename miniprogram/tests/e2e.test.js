// End-to-end: pages talk to the real backend started by tests/test_miniprogram_e2e.py, which
// seeds the data and passes what it seeded in BAOYUN_E2E_EXPECT. Skipped when run on its own.
const {renderPage, waitFor, settle, text, all, find, tap, type, stubWx} = require('./helpers')

const baseUrl = process.env.BAOYUN_E2E_BASE_URL
const describeE2e = baseUrl ? describe : describe.skip
const expected = baseUrl ? JSON.parse(process.env.BAOYUN_E2E_EXPECT) : {}

// A real server on a busy machine: give each test room.
jest.setTimeout(90000)

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

    test('赔案详情: the timeline and checklist of the seeded claim; a photo uploads to it', async () => {
      stubWx('showActionSheet', {tapIndex: 0})
      stubWx('chooseMedia', {tempFiles: [{tempFilePath: process.env.BAOYUN_E2E_PHOTO, size: 100}]})
      const page = renderPage('claim-detail', {id: String(expected.claim_id)})
      await waitFor(() => page.querySelector('.checklist'))
      expect(text(find(page, '.summary'))).toContain(expected.claim_number)
      expect(text(find(page, '#steps'))).toContain('报案')
      expect(text(find(page, '.upload-driving_licence'))).toBe('上传')

      await tap(page, '.upload-driving_licence', '.van-button')
      await waitFor(() => text(find(page, '.upload-driving_licence')) === '补充')
      expect(text(find(page, '.checklist'))).toContain('已上传 1 份')
      expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '上传成功'}))
    })

    test('商品详情 -> 券详情: a confirmed redemption gives a voucher with its code and QR', async () => {
      stubWx('showModal', {confirm: true})
      const item = renderPage('mall-item', {id: String(expected.item_id)})
      await waitFor(() => item.querySelector('.head'))
      expect(text(find(item, '.head'))).toContain(expected.item_name)
      const balanceBefore = item.instance.data.balance

      await tap(item, '#redeem', '.van-button')
      await waitFor(() => wx.redirectTo.mock.calls.length > 0)
      const url = wx.redirectTo.mock.calls[0][0].url
      expect(url).toMatch(/^\/pages\/voucher-detail\/index\?id=\d+$/)

      const voucher = renderPage('voucher-detail', {id: url.split('=')[1]})
      await waitFor(() => voucher.querySelector('.ticket'))
      expect(text(find(voucher, '.ticket'))).toContain(expected.item_name)
      expect(text(find(voucher, '.code')).replace(/ /g, '')).toMatch(/^[A-Z0-9]{8,}$/)
      expect(voucher.instance.data.voucher.qr).toMatch(/^data:image\/svg\+xml/)
      expect(text(find(voucher, '.facts'))).toContain('未使用')

      const points = renderPage('points')
      await waitFor(() => points.instance.data.list.loaded)
      expect(text(find(points, '.balance'))).toBe(String(balanceBefore - expected.item_price))
      expect(text(all(points, '.entry')[0])).toContain('积分兑换')
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
