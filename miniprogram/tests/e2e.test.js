// End-to-end: pages talk to the real backend started by tests/test_miniprogram_e2e.py, which
// seeds the data and passes what it seeded in BAOYUN_E2E_EXPECT. Skipped when run on its own.
const {renderPage, waitFor, text, all, find} = require('./helpers')

const baseUrl = process.env.BAOYUN_E2E_BASE_URL
const describeE2e = baseUrl ? describe : describe.skip
const expected = baseUrl ? JSON.parse(process.env.BAOYUN_E2E_EXPECT) : {}

describeE2e('pages against the real backend', () => {
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
