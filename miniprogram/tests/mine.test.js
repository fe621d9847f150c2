const {renderPage, mockApi, fail, settle, text, find, all, tap, signIn} = require('./helpers')

test('shows my name, masked mobile, tier and vehicles from the API', async () => {
  signIn()
  mockApi({
    'GET /api/mp/me': {id: 1, name: '张三', mobile_masked: '138****8000', vip_tier: 'gold', vip_tier_label: '黄金'},
    'GET /api/mp/vehicles': [{id: 3, plate: '川A12345', brand: '大众', model: '帕萨特', insured: true,
      ctpl_end_date: '2027-01-31', commercial_end_date: null}],
  })
  const page = renderPage('mine')
  await settle()

  expect(text(find(page, '.profile'))).toContain('张三')
  expect(text(find(page, '.mobile'))).toBe('138****8000')
  expect(text(find(page, '.tier'))).toBe('黄金会员')
  expect(text(all(page, '.vehicle')[0])).toContain('川A12345')
  expect(text(all(page, '.vehicle')[0])).toContain('大众 帕萨特')
  expect(text(all(page, '.vehicle')[0])).toContain('保障中 · 交强险至 2027-01-31')
  expect(text(all(page, '.vehicle')[0])).not.toContain('商业险')
})

test('without a session it offers login; a failed load shows the message', async () => {
  mockApi({})
  let page = renderPage('mine')
  await settle()
  await tap(page, '#go-login', '.van-button')
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/login/index'})

  signIn()
  mockApi({'GET /api/mp/me': fail(503, '系统维护中,请稍后再试'), 'GET /api/mp/vehicles': []})
  page = renderPage('mine')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('系统维护中,请稍后再试')
})
