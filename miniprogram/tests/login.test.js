const {renderPage, mockApi, fail, settle, text, find, all, tap, type} = require('./helpers')

function unbound(routes) {
  wx.setStorageSync('baoyun.bindToken', 'bind-token')
  return mockApi(routes)
}

test('sending the SMS code uses the bind token, then counts down and refuses a second send', async () => {
  const api = unbound({'POST /api/mp/auth/sms-code': {sent: true}})
  const page = renderPage('login')
  await type(page, '#mobile', '13800138000')

  await tap(page, '#send-code', '.van-button')

  const sent = api.find('POST', '/api/mp/auth/sms-code')
  expect(sent).toHaveLength(1)
  expect(sent[0].data).toEqual({mobile: '13800138000'})
  expect(sent[0].header.Authorization).toBe('Bearer bind-token')
  expect(text(find(page, '#send-code'))).toBe('60秒后重发')
  await tap(page, '#send-code', '.van-button')
  expect(api.find('POST', '/api/mp/auth/sms-code')).toHaveLength(1)
  page.detach()
})

test('a wrong mobile is refused on the page, without a request', async () => {
  const api = unbound({})
  const page = renderPage('login')
  await type(page, '#mobile', '1380013')
  await tap(page, '#send-code', '.van-button')

  expect(text(find(page, '.form-error'))).toBe('请输入正确的11位手机号')
  expect(api.calls).toHaveLength(0)
})

test('binding by mobile and code saves the session and goes home', async () => {
  const api = unbound({'POST /api/mp/auth/bind': {token: 'customer-token', role: 'customer', bound: true}})
  const page = renderPage('login')
  await type(page, '#mobile', '13800138000')
  await type(page, '#sms-code', '123456')

  await tap(page, '#bind', '.van-button')

  expect(api.find('POST', '/api/mp/auth/bind')[0].data).toEqual({mobile: '13800138000', sms_code: '123456'})
  expect(wx.getStorageSync('baoyun.token')).toBe('customer-token')
  expect(wx.getStorageSync('baoyun.bindToken')).toBe('')
  expect(wx.reLaunch).toHaveBeenCalledWith({url: '/pages/home/index'})
})

test('binding by ID number and plate; a resident manager lands on the dealer overview', async () => {
  const api = unbound({'POST /api/mp/auth/bind': {token: 'staff-token', role: 'resident_manager', bound: true}})
  const page = renderPage('login')
  const tabs = all(find(page, '#method-tabs'), '.van-tab')
  tabs[1].dispatchEvent('tap')
  await settle()
  await type(page, '#id-number', '110101199003074477')
  await type(page, '#plate', '川a12345')

  await tap(page, '#bind', '.van-button')

  expect(api.find('POST', '/api/mp/auth/bind')[0].data).toEqual({id_number: '110101199003074477', plate: '川A12345'})
  expect(wx.getStorageSync('baoyun.role')).toBe('resident_manager')
  expect(wx.reLaunch).toHaveBeenCalledWith({url: '/pages/resident/index'})
})

test('a failed binding shows the API message on the form', async () => {
  unbound({'POST /api/mp/auth/bind': fail(400, '验证信息不正确,或未查询到您名下的保单。请核对后重试', 'bind_failed')})
  const page = renderPage('login')
  await type(page, '#mobile', '13800138000')
  await type(page, '#sms-code', '000000')

  await tap(page, '#bind', '.van-button')

  expect(text(find(page, '.form-error'))).toBe('验证信息不正确,或未查询到您名下的保单。请核对后重试')
  expect(wx.getStorageSync('baoyun.token')).toBe('')
  expect(wx.reLaunch).not.toHaveBeenCalled()
})
